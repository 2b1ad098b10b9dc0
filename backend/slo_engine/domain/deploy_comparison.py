"""A service's history before and after a deploy marker, compared (issue 19 item 2's
deploy what-if).

The history is hourly: hour k covers [start + k h, start + (k + 1) h). The hour holding
the marker mixes both versions and is left out; the before side is the `side_hours`
hours ending at or before the marker, the after side those starting at or after it.

- Availability: each side's error ratio is its failed over all requests (counter
  increases, as the backtest judges a period; hours without samples count as no
  requests). The change is after - before; its 95% interval comes from a moving-block
  bootstrap (Kuensch 1989) of each side independently, in blocks of
  min(24, max(1, n // 4)) hours, so an incident spanning hours stays one incident and
  a side of a week keeps the daily cycle in every block; the interval is the 2.5% and
  97.5% percentiles of the resampled differences. Significant: the interval excludes 0.
- Latency: each side's p50, p95 and p99 from its summed histogram (Prometheus's
  histogram_quantile, sli_statistics.histogram_quantile), the change and its interval
  by the same bootstrap of the hourly bucket counts.

Pure: numpy and the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slo_engine.domain.sli_statistics import block_starts, histogram_quantile, window_sums

HOUR_S = 3600
QUANTILES = (0.5, 0.95, 0.99)
RESAMPLES = 2000
MAX_BLOCK_HOURS = 24
CONFIDENCE = 0.95


@dataclass(frozen=True)
class HourlyHistory:
    start_s: int
    total: np.ndarray  # requests per hour; NaN: no samples
    bad: np.ndarray  # failed requests per hour
    bounds: np.ndarray | None = None  # histogram upper bounds (seconds), +Inf last
    buckets: np.ndarray | None = None  # cumulative bucket counts [bucket, hour]

    @property
    def hours(self) -> int:
        return int(self.total.size)


@dataclass(frozen=True)
class Side:
    """One side of the marker: hours [first, stop) of the history."""

    first: int
    stop: int
    start_s: int
    end_s: int
    hours_with_traffic: int
    requests: float
    bad: float

    @property
    def error_ratio(self) -> float | None:
        return None if self.requests <= 0 else self.bad / self.requests


@dataclass(frozen=True)
class Change:
    before: float | None
    after: float | None
    change: float | None  # after - before
    interval: tuple[float, float] | None  # 95%, of the change
    significant: bool


@dataclass(frozen=True)
class DeployComparison:
    marker_s: int
    before: Side
    after: Side
    error_ratio: Change
    latency_s: dict[float, Change] | None  # quantile -> change; None: no histogram
    block_hours: tuple[int, int]  # the bootstrap's block length before, after


def split_at(history: HourlyHistory, marker_s: int, side_hours: int) -> tuple[Side, Side]:
    """The two sides of `marker_s`, each at most `side_hours` long."""
    offset = marker_s - history.start_s
    before_stop = max(0, min(history.hours, offset // HOUR_S))
    after_first = max(0, min(history.hours, -(-offset // HOUR_S)))
    before = _side(history, max(0, before_stop - side_hours), before_stop)
    after = _side(history, after_first, min(history.hours, after_first + side_hours))
    return before, after


def _side(history: HourlyHistory, first: int, stop: int) -> Side:
    total = np.nan_to_num(np.asarray(history.total[first:stop], dtype=float))
    bad = np.nan_to_num(np.asarray(history.bad[first:stop], dtype=float))
    return Side(first, stop, history.start_s + first * HOUR_S, history.start_s + stop * HOUR_S,
                int(np.count_nonzero(total > 0)), float(total.sum()), float(bad.sum()))


def compare(history: HourlyHistory, before: Side, after: Side, marker_s: int,
            rng: np.random.Generator, resamples: int = RESAMPLES) -> DeployComparison:
    """Both sides need requests (the caller checks their lengths first)."""
    sides = (before, after)
    blocks = tuple(block_hours(s.stop - s.first) for s in sides)
    starts = [block_starts(s.stop - s.first, length, resamples, rng)
              for s, length in zip(sides, blocks, strict=True)]
    ratios = [_resampled_ratios(history, s, length, picked)
              for s, length, picked in zip(sides, blocks, starts, strict=True)]
    error = _change(before.error_ratio, after.error_ratio, ratios[1] - ratios[0])
    latency = None
    if history.bounds is not None and history.buckets is not None \
            and np.asarray(history.bounds).size:
        latency = {q: _latency_change(history, sides, blocks, starts, q) for q in QUANTILES}
    return DeployComparison(marker_s, before, after, error, latency,
                            (int(blocks[0]), int(blocks[1])))


def block_hours(hours: int) -> int:
    return min(MAX_BLOCK_HOURS, max(1, hours // 4))


def _resampled_ratios(history: HourlyHistory, side: Side, length: int, starts: np.ndarray
                      ) -> np.ndarray:
    bad = window_sums(history.bad[side.first:side.stop], length)[starts].sum(axis=1)
    total = window_sums(history.total[side.first:side.stop], length)[starts].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios: np.ndarray = bad / total
    return ratios


def _latency_change(history: HourlyHistory, sides: tuple[Side, Side],
                    blocks: tuple[int, ...], starts: list[np.ndarray], quantile: float
                    ) -> Change:
    assert history.bounds is not None
    assert history.buckets is not None
    bounds = np.asarray(history.bounds, dtype=float)
    points, draws = [], []
    for side, length, picked in zip(sides, blocks, starts, strict=True):
        counts = np.nan_to_num(np.asarray(history.buckets, dtype=float)[:, side.first:side.stop])
        point = histogram_quantile(quantile, bounds, counts.sum(axis=1, keepdims=True))[0]
        points.append(None if np.isnan(point) else float(point))
        resampled = window_sums(counts, length)[:, picked].sum(axis=2)  # [bucket, resample]
        draws.append(histogram_quantile(quantile, bounds, resampled))
    return _change(points[0], points[1], draws[1] - draws[0])


def _change(before: float | None, after: float | None, differences: np.ndarray) -> Change:
    known = differences[np.isfinite(differences)]
    if before is None or after is None or known.size == 0:
        return Change(before, after, None, None, False)
    tail = (1 - CONFIDENCE) / 2
    low, high = (float(x) for x in np.quantile(known, [tail, 1 - tail]))
    return Change(before, after, after - before, (low, high), low > 0 or high < 0)
