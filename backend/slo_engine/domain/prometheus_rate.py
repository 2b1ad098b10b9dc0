"""Prometheus 2.42's `rate` and `increase` over raw counter samples, at many evaluation
times at once (promql/functions.go `extrapolatedRate`), and PromQL's `sum` of the results.

`increase(c[w])` at t takes the samples in [t - w, t] (both ends included before 3.0) and
has no result with fewer than two. raw = last - first, plus the value before every reset
(added in sample order); durationToStart = first's distance to t - w, cut to the
counter's zero point sampled x first / raw when that is nearer (before the threshold test,
as 2.x does); each boundary distance counts in full when under 1.1 x the mean sample
spacing, else half that spacing; factor = (sampled + toStart + toEnd) / sampled;
increase = raw x factor and rate = raw x (factor / w in seconds), in that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

EXTRAPOLATION_THRESHOLD = 1.1  # x the mean spacing: nearer boundaries count in full


@dataclass(frozen=True)
class RawSeries:
    """One counter series as stored: its labels, sample times (epoch ms, ascending) and
    values."""

    labels: Mapping[str, str]
    stamps_ms: np.ndarray
    values: np.ndarray
    resets_before: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.stamps_ms.shape != self.values.shape or self.stamps_ms.ndim != 1:
            raise ValueError("a series needs one value per sample time")
        object.__setattr__(self, "resets_before", resets_up_to(self.values))

    @property
    def sort_key(self) -> tuple[tuple[str, str], ...]:
        """The order PromQL's aggregations meet series in (by their sorted labels)."""
        return tuple(sorted(self.labels.items()))


def resets_up_to(values: np.ndarray) -> np.ndarray:
    """How many resets (a value below the one before) up to and including each sample."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(np.diff(values) < 0)])


def increase(stamps_ms: np.ndarray, values: np.ndarray, at_ms: np.ndarray, range_ms: int,
             resets_before: np.ndarray | None = None) -> np.ndarray:
    """`increase(c[range])` at each time; NaN where it has no result."""
    return _extrapolated_rate(stamps_ms, values, at_ms, range_ms, resets_before, None)


def rate(stamps_ms: np.ndarray, values: np.ndarray, at_ms: np.ndarray, range_ms: int,
         resets_before: np.ndarray | None = None) -> np.ndarray:
    """`rate(c[range])` at each time; NaN where it has no result."""
    return _extrapolated_rate(stamps_ms, values, at_ms, range_ms, resets_before,
                              range_ms / 1000)


def _extrapolated_rate(stamps_ms: np.ndarray, values: np.ndarray, at_ms: np.ndarray,
                       range_ms: int, resets_before: np.ndarray | None,
                       per_seconds: float | None) -> np.ndarray:
    """raw x factor, the factor divided by the range's seconds for a rate (Go's order:
    `factor /= ms.Range.Seconds(); resultValue *= factor`)."""
    resets = resets_up_to(values) if resets_before is None else resets_before
    first = np.searchsorted(stamps_ms, at_ms - range_ms, side="left")
    last = np.searchsorted(stamps_ms, at_ms, side="right") - 1
    result = np.full(at_ms.shape, np.nan)
    has = last - first >= 1
    f, l_, at = first[has], last[has], at_ms[has]
    raw = values[l_] - values[f]
    for k in np.flatnonzero(resets[l_] > resets[f]):
        raw[k] = _across_resets(values, int(f[k]), int(l_[k]))
    sampled = (stamps_ms[l_] - stamps_ms[f]) / 1000
    factor = _extrapolated(sampled, l_ - f, (stamps_ms[f] - (at - range_ms)) / 1000,
                           (at - stamps_ms[l_]) / 1000, raw, values[f]) / sampled
    result[has] = raw * (factor if per_seconds is None else factor / per_seconds)
    return result


def _extrapolated(sampled: np.ndarray, gaps: np.ndarray, to_start: np.ndarray,
                  to_end: np.ndarray, raw: np.ndarray, first: np.ndarray) -> np.ndarray:
    """sampled + the distances to the range's ends that extrapolation adds."""
    average = sampled / gaps
    with np.errstate(divide="ignore", invalid="ignore"):
        to_zero = sampled * (first / raw)
    to_start = np.where((raw > 0) & (first >= 0) & (to_zero < to_start), to_zero, to_start)
    threshold = average * EXTRAPOLATION_THRESHOLD
    interval = sampled + np.where(to_start < threshold, to_start, average / 2)
    extrapolated: np.ndarray = interval + np.where(to_end < threshold, to_end, average / 2)
    return extrapolated


def _across_resets(values: np.ndarray, first: int, last: int) -> float:
    """last - first, plus the value before each reset, added in order as Prometheus does."""
    raw = float(values[last] - values[first])
    for j in range(first + 1, last + 1):
        if values[j] < values[j - 1]:
            raw += float(values[j - 1])
    return raw


def series_increase(series: RawSeries, at_ms: np.ndarray, range_ms: int) -> np.ndarray:
    return increase(series.stamps_ms, series.values, at_ms, range_ms, series.resets_before)


def series_rate(series: RawSeries, at_ms: np.ndarray, range_ms: int) -> np.ndarray:
    return rate(series.stamps_ms, series.values, at_ms, range_ms, series.resets_before)


def summed(parts: Sequence[np.ndarray], steps: int) -> np.ndarray:
    """PromQL `sum` per step over the parts present there (NaN: absent), in order."""
    total = np.full(steps, np.nan)
    for part in parts:
        total = np.where(np.isnan(total), part, np.where(np.isnan(part), total, total + part))
    return total


def sum_of_rates(series: Sequence[RawSeries], at_ms: np.ndarray, range_ms: int,
                 function: str = "rate") -> np.ndarray:
    """`sum(rate(selector[range]))` (or `increase`) over the series the selector matched."""
    each = series_rate if function == "rate" else series_increase
    return summed([each(s, at_ms, range_ms) for s in sorted(series, key=lambda s: s.sort_key)],
                  at_ms.size)


def present_within(series: Sequence[RawSeries], at_ms: np.ndarray, lookback_ms: int
                   ) -> np.ndarray:
    """Whether an instant selector returns anything at each time: some series has a
    sample in [t - lookback, t] (Prometheus 2.x's lookback, both ends included)."""
    found = np.zeros(at_ms.shape, dtype=bool)
    for s in series:
        last = np.searchsorted(s.stamps_ms, at_ms, side="right") - 1
        seen = s.stamps_ms[np.maximum(last, 0)]
        found |= (last >= 0) & (seen >= at_ms - lookback_ms)
    return found
