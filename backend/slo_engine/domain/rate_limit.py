"""The token bucket (TRD FR-8): a bucket holds up to one minute's allowance and refills
continuously, so a client may burst its per-minute limit and then sustain it.

The same arithmetic runs as a Lua script inside Redis (shared by every API replica) and in
process when Redis is unreachable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EPSILON = 1e-9


@dataclass(frozen=True)
class BucketState:
    tokens: float
    updated_at_s: float


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit_per_minute: int
    remaining: int
    reset_s: int        # seconds until the bucket is full again
    retry_after_s: int  # seconds until the next request would pass (0 when allowed)


def take_token(state: BucketState | None, now_s: float, limit_per_minute: int
               ) -> tuple[BucketState, RateDecision]:
    """Refill for the time passed, then take one token if there is one."""
    capacity = float(limit_per_minute)
    if state is None:
        tokens = capacity
    else:
        elapsed = max(0.0, now_s - state.updated_at_s)
        tokens = min(capacity, state.tokens + elapsed * capacity / 60.0)
    allowed = tokens >= 1.0 - EPSILON  # refills summed in steps must reach a whole token
    if allowed:
        tokens = max(0.0, tokens - 1.0)
    return BucketState(tokens, now_s), decision_after(tokens, allowed, limit_per_minute)


def decision_after(tokens: float, allowed: bool, limit_per_minute: int) -> RateDecision:
    """The headers' figures for a bucket left holding `tokens` after the request."""
    per_second = limit_per_minute / 60.0
    retry_after = 0 if allowed else math.ceil((1.0 - tokens) / per_second)
    return RateDecision(allowed, limit_per_minute, math.floor(tokens),
                        math.ceil((limit_per_minute - tokens) / per_second), retry_after)
