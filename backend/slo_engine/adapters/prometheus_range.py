"""The RangeQueries port on the Prometheus HTTP API: any expression over any range, split
into range queries Prometheus accepts (at most 11,000 points per series: 30 days at the
usual one-minute rule interval is 43,201 points, four queries).

The queries go through a PrometheusTelemetry, so they share its client, retries (none on
the request path: `for_requests`), circuit breaker and query metrics.
"""

from __future__ import annotations

import asyncio

import numpy as np

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.promql import MAX_POINTS_PER_SERIES


def chunks(start_s: int, end_s: int, step_s: int, max_points: int = MAX_POINTS_PER_SERIES
           ) -> list[tuple[int, int]]:
    """(start, end) of consecutive range queries on the steps start, start + step, ...
    <= end, each of at most max_points steps."""
    if step_s <= 0 or end_s < start_s:
        raise ValueError(f"no steps from {start_s} to {end_s} every {step_s} s")
    last = start_s + (end_s - start_s) // step_s * step_s
    width = (max_points - 1) * step_s
    return [(first, min(first + width, last))
            for first in range(start_s, last + 1, width + step_s)]


class PrometheusRangeQueries:
    """Knows how to evaluate an expression over a long range, in chunks at once."""

    def __init__(self, telemetry: PrometheusTelemetry,
                 max_points: int = MAX_POINTS_PER_SERIES) -> None:
        self._telemetry = telemetry
        self._max_points = max_points

    async def range_values(self, expr: str, start_s: int, end_s: int, step_s: int
                           ) -> tuple[np.ndarray, np.ndarray]:
        pieces = chunks(start_s, end_s, step_s, self._max_points)
        answers = await asyncio.gather(*(
            self._telemetry.range_series(expr, first, last, step_s)
            for first, last in pieces))
        stamps = np.arange(start_s, pieces[-1][1] + 1, step_s, dtype=np.int64)
        return stamps, np.concatenate(answers)
