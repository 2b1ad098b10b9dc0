"""The probability that a latency tier misses the next SLO period: that more than 1 - p of
its requests are slower than the threshold its SLI is judged at.

Each day of the history gives (requests slower than the threshold, all requests) from
the service's own histogram. A bucket-based SLI judges a target at the smallest bucket
bound at or above it (recommendation.judging_bound), whose counts are exact. A threshold
that is no bound is interpolated linearly inside its bucket, as `histogram_quantile`
does, and one above every finite bound reads the share above the largest.
Next periods are drawn as a moving-block bootstrap of those days (7-day blocks keep a
week's rhythm and a multi-day regression together) and the probability is the share of
drawn periods whose slow share exceeds 1 - p.

Pure: numpy and the standard library only.
"""

from __future__ import annotations

import math

import numpy as np

BLOCK_DAYS = 7
DRAWS = 2000


def daily_slow_counts(upper_bounds: np.ndarray, cumulative_by_day: np.ndarray,
                      target_seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """Per day (a column of `cumulative_by_day`, rows the buckets ascending with +Inf
    last): requests slower than the target, and all requests."""
    bounds = np.asarray(upper_bounds, dtype=float)
    counts = np.maximum.accumulate(np.atleast_2d(np.asarray(cumulative_by_day, dtype=float)),
                                   axis=0)
    total = counts[-1]
    bucket = int(np.searchsorted(bounds, target_seconds - 1e-12))
    if bucket >= len(bounds) - 1:  # at or above the largest finite bound
        return total - counts[max(len(bounds) - 2, 0)], total
    lower = bounds[bucket - 1] if bucket > 0 else 0.0
    below = counts[bucket - 1] if bucket > 0 else np.zeros_like(total)
    inside = (target_seconds - lower) / (bounds[bucket] - lower)
    return total - (below + (counts[bucket] - below) * inside), total


def period_breach_probability(slow: np.ndarray, total: np.ndarray, allowed_share: float,
                              period_days: int, seed: int = 0) -> float | None:
    """P(the next period's share of slow requests > allowed), None with less than a
    block of days with traffic."""
    shares = period_slow_shares(slow, total, period_days, DRAWS, np.random.default_rng(seed))
    return None if shares is None else float(np.mean(shares > allowed_share))


def period_slow_shares(slow: np.ndarray, total: np.ndarray, period_days: int, draws: int,
                       rng: np.random.Generator) -> np.ndarray | None:
    """`draws` next periods' shares of slow requests, each `period_days` days drawn in
    7-day blocks from the days with traffic; None with fewer such days than a block."""
    known = np.asarray(total, dtype=float) > 0
    slow_days, total_days = np.asarray(slow, float)[known], np.asarray(total, float)[known]
    if slow_days.size < BLOCK_DAYS:
        return None
    blocks = math.ceil(period_days / BLOCK_DAYS)
    starts = rng.integers(0, slow_days.size - BLOCK_DAYS + 1, (draws, blocks))
    days = (starts[:, :, None] + np.arange(BLOCK_DAYS)).reshape(draws, -1)[:, :period_days]
    shares: np.ndarray = slow_days[days].sum(axis=1) / total_days[days].sum(axis=1)
    return shares
