"""An in-memory fake of the RangeQueries port: it evaluates no PromQL, it knows answers.

Each expression it can answer maps to a function from the steps' timestamps to the values
(NaN where the expression returns nothing); any other expression is refused, as
Prometheus refuses one it cannot parse. `unavailable` stands for a store that does not
answer, `delay_s` for a slow one. It passes the contract suite the Prometheus adapter
passes (tests/contract/test_range_queries.py) on the expressions that suite asks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected

Answer = Callable[[np.ndarray], np.ndarray]


def present(start_s: int, end_s: int, value: float = 1.0) -> Answer:
    """A series with `value` at the steps in [start, end), none elsewhere."""
    return lambda stamps: np.where((stamps >= start_s) & (stamps < end_s), value, np.nan)


def nothing(stamps: np.ndarray) -> np.ndarray:
    return np.full(stamps.size, np.nan)


@dataclass
class InMemoryRangeQueries:
    answers: Mapping[str, Answer]
    unavailable: bool = False
    delay_s: float = 0.0
    calls: list[tuple[str, int, int, int]] = field(default_factory=list)

    async def range_values(self, expr: str, start_s: int, end_s: int, step_s: int
                           ) -> tuple[np.ndarray, np.ndarray]:
        self.calls.append((expr, start_s, end_s, step_s))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.unavailable:
            raise DependencyUnavailable("metrics store (Prometheus)", "connection refused")
        if expr not in self.answers:
            raise TelemetryQueryRejected(expr, "the fake knows no answer to it")
        stamps = np.arange(start_s, end_s + 1, step_s, dtype=np.int64)
        return stamps, np.asarray(self.answers[expr](stamps), dtype=float)
