"""The token bucket arithmetic shared by Redis (Lua) and the in-process fallback."""

from __future__ import annotations

from slo_engine.domain.rate_limit import take_token


def test_a_new_bucket_allows_a_burst_of_one_minutes_limit_then_refuses() -> None:
    state, decisions = None, []
    for _ in range(11):
        state, decision = take_token(state, 100.0, 10)
        decisions.append(decision)
    assert [d.allowed for d in decisions] == [True] * 10 + [False]
    assert [d.remaining for d in decisions[:3]] == [9, 8, 7]
    refused = decisions[-1]
    assert (refused.remaining, refused.retry_after_s, refused.reset_s) == (0, 6, 60)


def test_tokens_refill_continuously_at_the_limit_per_minute() -> None:
    state = None
    for _ in range(10):
        state, _decision = take_token(state, 0.0, 10)
    state, decision = take_token(state, 5.9, 10)  # 5.9 s refill 0.98 token
    assert not decision.allowed
    assert decision.retry_after_s == 1
    state, decision = take_token(state, 6.0, 10)
    assert decision.allowed
    assert decision.remaining == 0


def test_a_bucket_never_holds_more_than_one_minutes_allowance() -> None:
    state, _ = take_token(None, 0.0, 30)
    state, decision = take_token(state, 3600.0, 30)
    assert decision.remaining == 29
    assert decision.reset_s == 2  # one token to refill at 0.5 per second


def test_a_clock_going_backwards_refills_nothing() -> None:
    state, _ = take_token(None, 100.0, 60)
    state, decision = take_token(state, 50.0, 60)
    assert decision.remaining == 58
