"""Quantiles of a cumulative histogram, as Prometheus's `histogram_quantile` computes them:
find the bucket holding the rank, interpolate linearly within it (the first bucket starts
at 0 when its bound is positive), and answer the highest finite bound when the rank falls
in the `+Inf` bucket (nothing is known above it). No samples, no `+Inf` bucket or fewer
than two buckets: no answer (None, where Prometheus says NaN).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Bucket = tuple[float, float]  # (upper bound `le`, cumulative count)


@dataclass(frozen=True)
class LatencyQuantiles:
    """An edge's observed server latency over a window, in seconds."""

    p50_s: float
    p99_s: float


def bucket_quantile(q: float, buckets: Iterable[Bucket]) -> float | None:
    """The q-quantile (0 <= q <= 1) of the observations the buckets count."""
    ordered = _monotonic(sorted(buckets))
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]) or ordered[-1][1] <= 0:
        return None
    rank = q * ordered[-1][1]
    index = next(i for i, (_, count) in enumerate(ordered) if count >= rank)
    if index == len(ordered) - 1:
        return ordered[-2][0]
    upper, count = ordered[index]
    if index == 0 and upper <= 0:
        return upper
    lower, below = (0.0, 0.0) if index == 0 else ordered[index - 1]
    if count == below:
        return upper
    return lower + (upper - lower) * (rank - below) / (count - below)


def latency_quantiles(buckets: Iterable[Bucket]) -> LatencyQuantiles | None:
    """p50 and p99 of the buckets, or None when they count nothing."""
    listed = list(buckets)
    p50, p99 = bucket_quantile(0.5, listed), bucket_quantile(0.99, listed)
    if p50 is None or p99 is None:
        return None
    return LatencyQuantiles(p50, p99)


def _monotonic(ordered: list[Bucket]) -> list[Bucket]:
    """Counts never falling with `le`: `increase()` of each bucket series is extrapolated
    on its own, so a higher bucket can come out a little lower (Prometheus fixes it too)."""
    fixed: list[Bucket] = []
    for upper, count in ordered:
        fixed.append((upper, max(count, fixed[-1][1]) if fixed else count))
    return fixed
