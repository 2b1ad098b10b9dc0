"""Rolling SLI aggregates per service and window (TRD FR-6 pre-computed aggregates), and
when a recommendation's inputs have moved enough to call it stale.

Prometheus keeps the history; only the latest value per service and window is kept
(ARCHITECTURE.md overrides the TRD's `sli_aggregates` table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np

from slo_engine.domain.sli_statistics import histogram_quantile

WINDOW_SECONDS: dict[str, int] = {"1h": 3_600, "1d": 86_400, "7d": 604_800, "28d": 2_419_200}
LATENCY_PERCENTILES = {"latency_p50_seconds": 0.50, "latency_p95_seconds": 0.95,
                       "latency_p99_seconds": 0.99}


@dataclass(frozen=True)
class WindowCounts:
    """What the metrics store says about one service over one window."""

    requests: float
    failed: float
    bucket_bounds_seconds: np.ndarray  # ascending upper bounds, +Inf last
    bucket_counts: np.ndarray  # cumulative requests per bound


@dataclass(frozen=True)
class SliAggregate:
    service_id: str
    window: str
    requests: float
    availability_ratio: float | None
    error_ratio: float | None
    request_rate_per_second: float
    latency_p50_seconds: float | None
    latency_p95_seconds: float | None
    latency_p99_seconds: float | None

    def as_record(self) -> dict[str, float | str | None]:
        return asdict(self)


def aggregate(service_id: str, window: str, counts: WindowCounts) -> SliAggregate:
    """Ratios from request counts (None without traffic); percentiles interpolated within
    the service's own histogram buckets, as Prometheus's histogram_quantile does."""
    requests = max(counts.requests, 0.0)
    error = min(max(counts.failed, 0.0) / requests, 1.0) if requests > 0 else None
    latency: dict[str, float | None] = dict.fromkeys(LATENCY_PERCENTILES)
    if len(counts.bucket_bounds_seconds) and counts.bucket_counts[-1] > 0:
        for name, q in LATENCY_PERCENTILES.items():
            value = float(histogram_quantile(q, counts.bucket_bounds_seconds,
                                             counts.bucket_counts.reshape(-1, 1))[0])
            latency[name] = None if np.isnan(value) else value
    return SliAggregate(service_id, window, requests,
                        None if error is None else 1.0 - error, error,
                        requests / WINDOW_SECONDS[window], **latency)


def baseline_window(lookback_days: int) -> str:
    """The stored window closest to, and not longer than, a recommendation's lookback."""
    days = {"28d": 28, "7d": 7, "1d": 1}
    return next((w for w, d in days.items() if lookback_days >= d), "1h")


def moved_inputs(baseline: Mapping[str, float | None], current: SliAggregate,
                 relative_change: float, error_ratio_floor: float) -> list[str]:
    """Why a recommendation built on `baseline` no longer fits `current` (empty: it does).

    Error ratio and p99 are compared relatively (|new - old| > relative_change x old);
    the error ratio's reference is at least `error_ratio_floor`, so a service with almost
    no errors does not turn stale over one more failed request.
    """
    reasons = []
    old_error, new_error = baseline.get("error_ratio"), current.error_ratio
    if old_error is not None and new_error is not None:
        reference = max(old_error, error_ratio_floor)
        if abs(new_error - old_error) > relative_change * reference:
            reasons.append(f"error ratio moved from {old_error:.4%} to {new_error:.4%} "
                           f"over {current.window}")
    old_p99, new_p99 = baseline.get("latency_p99_seconds"), current.latency_p99_seconds
    if old_p99 and new_p99 is not None and abs(new_p99 - old_p99) > relative_change * old_p99:
        reasons.append(f"p99 latency moved from {old_p99 * 1000:.0f} ms to "
                       f"{new_p99 * 1000:.0f} ms over {current.window}")
    return reasons
