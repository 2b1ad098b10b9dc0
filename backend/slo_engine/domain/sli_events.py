"""An SLI's bad events per step, as the generated SLO rules count them: failed requests for
availability; for latency, requests above the histogram bucket the rules judge the
threshold at (the smallest finite `le` bound at or above it: generators/sli_rules.py
`judged_bucket`), all requests being the +Inf bucket.

Pure: numpy and the standard library only.
"""

from __future__ import annotations

import numpy as np

from slo_engine.domain.backtest import EventSeries
from slo_engine.domain.time_units import DAY_SECONDS

BOUND_TOLERANCE = 1e-9  # 0.3 s is the bucket 0.3, not 0.30000000000000004


def judged_bound(upper_bounds: np.ndarray, threshold_seconds: float) -> float:
    """The smallest finite bound at or above the threshold; ValueError beyond the last."""
    finite = [float(b) for b in upper_bounds if np.isfinite(b)]
    above = [b for b in finite if b >= threshold_seconds - BOUND_TOLERANCE]
    if not above:
        largest = f"{finite[-1] * 1000:g} ms" if finite else "none"
        raise ValueError(f"the threshold {threshold_seconds * 1000:g} ms lies beyond the "
                         f"histogram's largest finite bucket ({largest})")
    return above[0]


def slow_events(start_s: int, step_s: int, upper_bounds: np.ndarray,
                cumulative: np.ndarray, threshold_seconds: float) -> tuple[EventSeries, float]:
    """Requests per step (rows of `cumulative` are the buckets ascending, +Inf last) and
    those above the judged bucket; and that bucket's bound."""
    bounds = np.asarray(upper_bounds, dtype=float)
    counts = np.maximum.accumulate(np.nan_to_num(np.atleast_2d(
        np.asarray(cumulative, dtype=float))), axis=0)
    bound = judged_bound(bounds, threshold_seconds)
    row = int(np.flatnonzero(bounds == bound)[0])
    total = counts[-1]
    return EventSeries(start_s, step_s, total, total - counts[row]), bound


def daily_events(series: EventSeries) -> tuple[np.ndarray, np.ndarray]:
    """(bad, total) per whole day of the series, counted back from its end (a partial
    first day is left out)."""
    per_day = DAY_SECONDS // series.step_s
    days = series.total.size // per_day
    keep = days * per_day
    total = np.nan_to_num(np.asarray(series.total, dtype=float)[series.total.size - keep:])
    bad = np.nan_to_num(np.asarray(series.bad, dtype=float)[series.bad.size - keep:])
    return (np.minimum(bad, total).reshape(days, per_day).sum(axis=1),
            total.reshape(days, per_day).sum(axis=1))
