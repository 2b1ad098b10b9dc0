"""The RecommendationCache contract, on Redis and on the in-memory fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from slo_engine.adapters.redis_cache import RedisRecommendationCache
from slo_engine.application.ports import RecommendationCache
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.fakes import InMemoryRecommendationCache


@pytest.fixture(params=["redis", "memory"])
def cache(request: pytest.FixtureRequest, redis_server: ServerProcess
          ) -> Iterator[RecommendationCache]:
    if request.param == "memory":
        yield InMemoryRecommendationCache()
        return
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield RedisRecommendationCache(client)
    client.close()


def test_a_stored_value_reads_back_as_json_would_give_it(cache: RecommendationCache) -> None:
    cache.put("checkout:v1:g0", {"targets": (99.9, 99.5), "stale": False, "note": "é"})
    assert cache.get("checkout:v1:g0") == {"targets": [99.9, 99.5], "stale": False,
                                           "note": "é"}


def test_an_unknown_key_is_a_miss(cache: RecommendationCache) -> None:
    assert cache.get("nobody:v1:g0") is None


def test_putting_a_key_again_replaces_its_value(cache: RecommendationCache) -> None:
    cache.put("k", {"n": 1})
    cache.put("k", {"n": 2})
    assert cache.get("k") == {"n": 2}


def test_invalidating_a_service_bumps_its_generation_only(cache: RecommendationCache) -> None:
    assert (cache.generation("checkout"), cache.generation("cart")) == (0, 0)
    cache.invalidate("checkout")
    cache.invalidate("checkout")
    assert (cache.generation("checkout"), cache.generation("cart")) == (2, 0)


def test_a_cache_whose_redis_is_down_misses_and_stores_nothing() -> None:
    """Redis only: a cache failure must never fail a recommendation."""
    client = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                         retry=Retry(NoBackoff(), 0))  # redis-py 8 retries by default
    cache = RedisRecommendationCache(client)
    cache.put("k", {"n": 1})
    cache.invalidate("checkout")
    assert cache.get("k") is None
    assert cache.generation("checkout") == -1  # a generation no entry was written under
