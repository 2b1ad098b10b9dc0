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

import numpy as np

from slo_engine.domain.sli_statistics import histogram_quantile

Bucket = tuple[float, float]  # (upper bound `le`, cumulative count)


@dataclass(frozen=True)
class LatencyQuantiles:
    """An edge's observed server latency over a window, in seconds."""

    p50_s: float
    p99_s: float


def bucket_quantile(q: float, buckets: Iterable[Bucket]) -> float | None:
    """The q-quantile (0 <= q <= 1) of the observations the buckets count, in any order
    (sli_statistics.histogram_quantile over them, None for what it calls NaN)."""
    ordered = sorted(buckets)
    if len(ordered) < 2 or not math.isinf(ordered[-1][0]):
        return None
    bounds, counts = np.array(ordered, dtype=float).T
    value = float(histogram_quantile(q, bounds, counts[:, None])[0])
    return None if math.isnan(value) else value


def latency_quantiles(buckets: Iterable[Bucket]) -> LatencyQuantiles | None:
    """p50 and p99 of the buckets, or None when they count nothing."""
    listed = list(buckets)
    p50, p99 = bucket_quantile(0.5, listed), bucket_quantile(0.99, listed)
    if p50 is None or p99 is None:
        return None
    return LatencyQuantiles(p50, p99)
