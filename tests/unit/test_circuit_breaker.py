import pytest

from slo_engine.adapters.circuit_breaker import CircuitBreaker, CircuitOpen, CircuitState


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def state_now(breaker: CircuitBreaker) -> CircuitState:
    """The state read afresh; mypy would carry `breaker.state` narrowed by one assert across
    the calls that change it, and take the next assert for an impossible comparison."""
    return breaker.state


def failing(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.before_call()
        breaker.record_failure()


def test_ten_consecutive_failures_open_the_circuit_for_thirty_seconds() -> None:
    clock = Clock()
    breaker = CircuitBreaker(clock=clock)
    failing(breaker, 9)
    assert state_now(breaker) is CircuitState.CLOSED
    failing(breaker, 1)
    assert state_now(breaker) is CircuitState.OPEN
    clock.now += 29.9
    with pytest.raises(CircuitOpen, match=r"next trial in 0\.1 s"):
        breaker.before_call()


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker(clock=Clock())
    failing(breaker, 9)
    breaker.before_call()
    breaker.record_success()
    failing(breaker, 9)
    assert state_now(breaker) is CircuitState.CLOSED


def test_half_open_allows_one_trial_that_closes_or_reopens_the_circuit() -> None:
    clock = Clock()
    breaker = CircuitBreaker(clock=clock)
    failing(breaker, 10)
    clock.now += 30
    assert state_now(breaker) is CircuitState.HALF_OPEN
    breaker.before_call()
    with pytest.raises(CircuitOpen):
        breaker.before_call()  # only one trial at a time
    breaker.record_failure()
    assert state_now(breaker) is CircuitState.OPEN
    clock.now += 30
    breaker.before_call()
    breaker.record_success()
    assert state_now(breaker) is CircuitState.CLOSED


def test_a_cancelled_trial_lets_the_next_call_try_without_counting_a_failure() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failure_threshold=1, open_seconds=10, clock=lambda: now[0])
    breaker.record_failure()
    now[0] = 11.0
    breaker.before_call()  # the half-open trial
    breaker.release_trial()  # cancelled by a request's deadline
    breaker.before_call()  # not "circuit open; next trial in 0.0 s" for ever
    breaker.record_success()
    assert breaker.state == "closed"
