"""Statistics over SLI history: rolling windows, breach probability, error budgets, and
confidence intervals that respect autocorrelation.

Inputs are per-step counts or values as numpy arrays (one element per query step);
ratios are in 0..1 and durations in seconds (ARCHITECTURE.md principle 11).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Error budgets are quoted per average calendar month (365/12 days = 43,800 minutes),
# which reproduces TRD FR-2's 43.8 min for 99.9% and 21.9 min for 99.95%.
MONTH_MINUTES = 365 / 12 * 24 * 60


@dataclass(frozen=True)
class ConfidenceInterval:
    low: float
    high: float
    confidence: float


def rolling_window_ratios(good: np.ndarray, total: np.ndarray, window_steps: int) -> np.ndarray:
    """good/total over every run of `window_steps` consecutive steps (NaN-free: windows
    with no traffic are dropped, steps with missing data count as no traffic)."""
    good = np.nan_to_num(np.asarray(good, dtype=float))
    total = np.nan_to_num(np.asarray(total, dtype=float))
    if window_steps < 1 or len(total) < window_steps:
        return np.empty(0)
    good_sums = window_sums(good, window_steps)
    total_sums = window_sums(total, window_steps)
    with_traffic = total_sums > 0
    ratios: np.ndarray = good_sums[with_traffic] / total_sums[with_traffic]
    return ratios


def window_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Sums of every run of `window` consecutive steps along the last axis (missing
    data, NaN, counts as nothing)."""
    values = np.nan_to_num(np.asarray(values, dtype=float))
    zero = np.zeros((*values.shape[:-1], 1))
    cumulative = np.concatenate((zero, np.cumsum(values, axis=-1)), axis=-1)
    sums: np.ndarray = cumulative[..., window:] - cumulative[..., :-window]
    return sums


def block_starts(steps: int, length: int, resamples: int, rng: np.random.Generator
                 ) -> np.ndarray:
    """Each moving-block resample's block starts: ceil(steps / length) blocks of
    `length` consecutive steps, drawn uniformly (resamples x blocks)."""
    starts: np.ndarray = rng.integers(0, steps - length + 1, (resamples, -(-steps // length)))
    return starts


def breach_probability(window_values: np.ndarray, target: float,
                       higher_is_better: bool = True) -> float:
    """The share of historical windows that would have breached `target`."""
    values = np.asarray(window_values, dtype=float)
    if values.size == 0:
        raise ValueError("no windows to judge a breach probability from")
    breached = values < target if higher_is_better else values > target
    return float(breached.mean())


def error_budget_minutes(target_ratio: float) -> float:
    """Minutes of full unavailability a month that `target_ratio` allows."""
    return (1.0 - target_ratio) * MONTH_MINUTES


def default_block_length(n: int) -> int:
    """n^(1/3), the order Hall, Horowitz & Jing (1995) show is right for variance and
    distribution estimates with the moving block bootstrap."""
    return max(1, round(math.pow(n, 1 / 3)))


def block_bootstrap_ratio_ci(
    numerator: np.ndarray, denominator: np.ndarray, confidence: float = 0.95,
    resamples: int = 1000, block_length: int | None = None, seed: int = 0,
) -> ConfidenceInterval:
    """Percentile interval for sum(numerator) / sum(denominator) of an autocorrelated
    series by the moving block bootstrap (Kuensch 1989): whole blocks of consecutive steps
    are resampled, so an outage spanning several steps stays one outage."""
    top = np.nan_to_num(np.asarray(numerator, dtype=float))
    bottom = np.nan_to_num(np.asarray(denominator, dtype=float))
    n = top.size
    if n == 0:
        raise ValueError("cannot bootstrap an empty series")
    length = min(block_length or default_block_length(n), n)
    # Every block's sums at once; a resample is then a sum over a few drawn blocks.
    top_blocks, bottom_blocks = window_sums(top, length), window_sums(bottom, length)
    starts = block_starts(n, length, resamples, np.random.default_rng(seed))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = top_blocks[starts].sum(axis=1) / bottom_blocks[starts].sum(axis=1)
    ratios = ratios[np.isfinite(ratios)]
    if ratios.size == 0:
        raise ValueError("no resample had a non-zero denominator")
    tail = (1 - confidence) / 2
    low, high = np.quantile(ratios, [tail, 1 - tail])
    return ConfidenceInterval(float(low), float(high), confidence)


def histogram_quantile(quantile: float, upper_bounds: np.ndarray, cumulative: np.ndarray
                       ) -> np.ndarray:
    """Prometheus's histogram_quantile over cumulative bucket counts (rows: buckets in
    ascending `le`, the last +Inf; columns: observations such as time steps): linear
    interpolation inside the bucket holding the rank, the highest finite bound when the
    rank falls in +Inf, NaN without observations."""
    bounds = np.asarray(upper_bounds, dtype=float)
    counts = np.maximum.accumulate(np.atleast_2d(np.asarray(cumulative, dtype=float)), axis=0)
    total = counts[-1]
    rank = quantile * total
    bucket = np.argmax(counts >= rank[None, :], axis=0)
    lower = np.where(bucket > 0, bounds[np.maximum(bucket - 1, 0)], 0.0)
    upper = bounds[bucket]
    below = np.where(bucket > 0, counts[np.maximum(bucket - 1, 0), np.arange(counts.shape[1])],
                     0.0)
    inside = counts[bucket, np.arange(counts.shape[1])] - below
    with np.errstate(invalid="ignore", divide="ignore"):
        value = lower + (upper - lower) * np.where(inside > 0, (rank - below) / inside, 1.0)
    highest_finite = bounds[-2] if len(bounds) > 1 else np.nan
    value = np.where(np.isinf(upper), highest_finite, value)
    return np.where(total > 0, value, np.nan)


def floor_target(ratio: float, granularity: float = 0.0001) -> float:
    """Targets are shown to 0.01%: round down, so a shown target is never more ambitious
    than the computed one (1e-9 absorbs float noise such as 0.99989999...)."""
    return round(float(np.floor(ratio / granularity + 1e-9)) * granularity, 10)
