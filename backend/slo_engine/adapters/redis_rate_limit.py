"""Token buckets in Redis, one atomic Lua script per request, shared by every API replica.

The script reads Redis's own clock (TIME), so replicas with skewed clocks agree. When
Redis cannot be reached the same buckets are kept in process for `fallback_seconds`
before Redis is tried again: limits then hold per replica instead of fleet-wide, and the
API keeps serving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis

from slo_engine.domain.rate_limit import BucketState, RateDecision, decision_after, take_token

log = logging.getLogger(__name__)
PREFIX = "slo-engine:rate"

TAKE_TOKEN_LUA = """
local capacity = tonumber(ARGV[1])
local per_ms = capacity / 60000
local clock = redis.call('TIME')
local now_ms = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
if tokens == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now_ms - tonumber(state[2])) * per_ms)
end
local allowed = 0
if tokens >= 1 - 1e-9 then
  tokens = math.max(0, tokens - 1)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now_ms)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / per_ms) + 1000)
return {allowed, tostring(tokens)}
"""


class RedisTokenBuckets:
    def __init__(self, client: redis.Redis, fallback_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._script = client.register_script(TAKE_TOKEN_LUA)
        self._fallback_seconds = fallback_seconds
        self._monotonic = monotonic
        self._redis_down_until = float("-inf")
        self._local: dict[str, BucketState] = {}
        self._lock = threading.Lock()

    @property
    def using_fallback(self) -> bool:
        return self._monotonic() < self._redis_down_until

    def take(self, bucket: str, limit_per_minute: int) -> RateDecision:
        if not self.using_fallback:
            try:
                allowed, tokens = self._script(keys=[f"{PREFIX}:{bucket}"],
                                               args=[limit_per_minute])
                return decision_after(float(tokens), bool(allowed), limit_per_minute)
            except redis.exceptions.RedisError as error:
                log.warning("rate limiting in process for %.0f s, Redis failed: %s",
                            self._fallback_seconds, error)
                self._redis_down_until = self._monotonic() + self._fallback_seconds
        return self._take_locally(bucket, limit_per_minute)

    def _take_locally(self, bucket: str, limit_per_minute: int) -> RateDecision:
        with self._lock:
            state, decision = take_token(self._local.get(bucket), self._monotonic(),
                                         limit_per_minute)
            self._local[bucket] = state
            return decision
