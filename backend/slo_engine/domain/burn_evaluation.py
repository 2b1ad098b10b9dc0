"""The generated burn-rate and absence alerts evaluated from raw counter samples, exactly
as Prometheus evaluates their expressions with the recording rules inline
(generators/alert_rules.py, generators/sli_rules.py), at many evaluation times at once.

- the SLI's error ratio over a window w: availability `(sum(rate(failed[w])) or
  vector(0)) / sum(rate(total[w]))`, latency `1 - sum(rate(within[w])) /
  sum(rate(total[w]))` (absent where a sum is absent; x / 0 is +Inf or NaN, as in Go);
- a pair fires where ratio(long) > threshold and ratio(short) > threshold and
  sum(increase(total[long])) >= min_events; an alert fires where any of its pairs does;
- `absent(total)` fires where no total series has a sample within the lookback (5 min).
  A scraped series that ends gets a staleness marker, which a range selector (what the raw
  samples are read with) does not return: there Prometheus finds it absent up to 5
  minutes sooner than this does. Backfilled history has no markers.

Rates and increases are domain/prometheus_rate.py's, per series, then summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from slo_engine.domain.prometheus_rate import RawSeries, present_within, sum_of_rates

LOOKBACK_SECONDS = 300  # Prometheus's default --query.lookback-delta


@dataclass(frozen=True)
class BurnPair:
    """One multiwindow condition; `threshold_ratio` as PromQL computes `factor * budget`
    from the numbers written in the rule."""

    long_seconds: int
    short_seconds: int
    threshold_ratio: float


@dataclass(frozen=True)
class SliCounters:
    """The raw series of an SLI's selectors: failed (a latency SLI's: within its bucket)
    and all requests."""

    failed: Sequence[RawSeries]
    total: Sequence[RawSeries]
    latency: bool


@dataclass
class BurnEvaluation:
    """Knows how to evaluate an SLI's alert conditions at fixed times, each window's
    ratio computed once."""

    counters: SliCounters
    at_ms: np.ndarray
    _ratios: dict[int, np.ndarray] = field(default_factory=dict)
    _totals: dict[int, np.ndarray] = field(default_factory=dict)

    def ratio(self, window_s: int) -> np.ndarray:
        """The error ratio over the window at each time (NaN: absent)."""
        if window_s not in self._ratios:
            self._ratios[window_s] = error_ratio(self.counters, self.at_ms, window_s)
        return self._ratios[window_s]

    def requests(self, window_s: int) -> np.ndarray:
        """sum(increase(total[window])) at each time (NaN: absent)."""
        if window_s not in self._totals:
            self._totals[window_s] = sum_of_rates(self.counters.total, self.at_ms,
                                                  window_s * 1000, "increase")
        return self._totals[window_s]

    def pair_firing(self, pair: BurnPair, min_events: int) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return ((self.ratio(pair.long_seconds) > pair.threshold_ratio)
                    & (self.ratio(pair.short_seconds) > pair.threshold_ratio)
                    & (self.requests(pair.long_seconds) >= min_events))

    def burn_firing(self, pairs: Sequence[BurnPair], min_events: int) -> np.ndarray:
        """Where the alert's `or` of pairs returns a series."""
        firing = np.zeros(self.at_ms.shape, dtype=bool)
        for pair in pairs:
            firing |= self.pair_firing(pair, min_events)
        return firing

    def absent_firing(self) -> np.ndarray:
        return ~present_within(self.counters.total, self.at_ms, LOOKBACK_SECONDS * 1000)


def error_ratio(counters: SliCounters, at_ms: np.ndarray, window_s: int) -> np.ndarray:
    window_ms = window_s * 1000
    failed = sum_of_rates(counters.failed, at_ms, window_ms)
    total = sum_of_rates(counters.total, at_ms, window_ms)
    with np.errstate(divide="ignore", invalid="ignore"):
        if counters.latency:
            ratio: np.ndarray = 1 - failed / total
        else:
            ratio = np.where(np.isnan(failed), 0.0, failed) / total
    return ratio


def step_counts(counters: SliCounters, at_ms: np.ndarray, step_s: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """(failed, all) requests in the step ending at each time, as the budget queries
    count them: availability `sum(increase(failed[step])) or vector(0)`, latency
    `total - (sum(increase(within[step])) or vector(0))`; NaN where no total is."""
    step_ms = step_s * 1000
    total = sum_of_rates(counters.total, at_ms, step_ms, "increase")
    bucket = sum_of_rates(counters.failed, at_ms, step_ms, "increase")
    bucket = np.where(np.isnan(bucket), 0.0, bucket)
    if counters.latency:
        return total - bucket, total
    return bucket, total
