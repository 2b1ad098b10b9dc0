"""Token buckets in a real Redis, shared by replicas, and the in-process fallback."""

from __future__ import annotations

import uuid
from pathlib import Path

import redis

from slo_engine.adapters.redis_rate_limit import RedisTokenBuckets
from slo_engine.runtime.processes import ServerProcess, start_redis


class Monotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_two_replicas_draw_from_one_bucket_in_redis(redis_server: ServerProcess) -> None:
    client = redis.Redis.from_url(redis_server.url)
    replicas = [RedisTokenBuckets(client), RedisTokenBuckets(client)]
    bucket = f"recommendations:user:{uuid.uuid4().hex}"
    decisions = [replicas[k % 2].take(bucket, 10) for k in range(11)]
    assert [d.allowed for d in decisions] == [True] * 10 + [False]
    assert [d.remaining for d in decisions[:10]] == list(range(9, -1, -1))
    assert decisions[-1].retry_after_s == 6
    assert 0 < client.pttl(f"slo-engine:rate:{bucket}") <= 61_000  # idle buckets expire
    assert not replicas[0].using_fallback


def test_buckets_are_separate_per_key(redis_server: ServerProcess) -> None:
    limiter = RedisTokenBuckets(redis.Redis.from_url(redis_server.url))
    one, other = uuid.uuid4().hex, uuid.uuid4().hex
    assert [limiter.take(one, 1).allowed for _ in range(2)] == [True, False]
    assert limiter.take(other, 1).allowed


def test_with_redis_down_buckets_live_in_process_until_redis_is_tried_again(
        tmp_path: Path) -> None:
    server = start_redis(tmp_path / "redis")
    monotonic = Monotonic()
    limiter = RedisTokenBuckets(redis.Redis.from_url(server.url, socket_connect_timeout=1),
                                fallback_seconds=5, monotonic=monotonic)
    assert limiter.take("a", 2).allowed
    server.stop()
    decisions = [limiter.take("a", 2) for _ in range(3)]
    assert limiter.using_fallback
    # the in-process bucket starts full: limits hold per replica while Redis is away
    assert [d.allowed for d in decisions] == [True, True, False]
    monotonic.now = 6.0  # after the fallback period Redis is tried again (still down)
    assert limiter.take("b", 2).allowed
    assert limiter.using_fallback
