"""A circuit breaker: after enough consecutive failures, stop calling for a while.

closed --(threshold consecutive failures)--> open --(cool-down over)--> half-open
half-open --(trial succeeds)--> closed;  half-open --(trial fails)--> open again.
While open, calls fail at once instead of piling retries onto a server that is down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(Exception):
    def __init__(self, retry_after_s: float) -> None:
        super().__init__(f"circuit open; next trial in {retry_after_s:.1f} s")
        self.retry_after_s = retry_after_s


class CircuitBreaker:
    def __init__(self, failure_threshold: int = 10, open_seconds: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failure_threshold = failure_threshold
        self.open_seconds = open_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._clock() - self._opened_at < self.open_seconds:
            return CircuitState.OPEN
        return CircuitState.HALF_OPEN

    @property
    def retry_after_s(self) -> float:
        """Seconds until the next trial call may go ahead (0 when calls go ahead now)."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.open_seconds - self._clock())

    def before_call(self) -> None:
        """Raise CircuitOpen unless a call may go ahead now."""
        state = self.state
        if state is CircuitState.OPEN:
            assert self._opened_at is not None
            raise CircuitOpen(self._opened_at + self.open_seconds - self._clock())
        if state is CircuitState.HALF_OPEN:
            if self._trial_in_flight:
                raise CircuitOpen(0.0)
            self._trial_in_flight = True

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def release_trial(self) -> None:
        """A call that neither succeeded nor failed (cancelled): let the next one try."""
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._trial_in_flight or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
        self._trial_in_flight = False
