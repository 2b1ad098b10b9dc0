"""Rendered recommendations cached in Redis with a TTL.

Invalidation is by key: the key holds the graph version (any graph change) and a
per-service generation counter (bumped on acceptance or drift), so nothing has to be
found and deleted. Redis being down only turns hits into misses.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
import redis

log = logging.getLogger(__name__)
PREFIX = "slo-engine:recommendation"
_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class RedisRecommendationCache:
    def __init__(self, client: redis.Redis, ttl_seconds: int = 86_400) -> None:
        self._client = client
        self._ttl = ttl_seconds

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            raw = self._client.get(f"{PREFIX}:{key}")
        except _DOWN as error:
            log.warning("recommendation cache unavailable (miss): %s", error)
            return None
        return orjson.loads(raw) if raw else None

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        try:
            self._client.set(f"{PREFIX}:{key}", orjson.dumps(value), ex=self._ttl)
        except _DOWN as error:
            log.warning("recommendation cache unavailable (not stored): %s", error)

    def generation(self, service_id: str) -> int:
        try:
            value = self._client.get(f"{PREFIX}-generation:{service_id}")
        except _DOWN:
            return -1  # a key no entry was written under: a miss
        return int(value) if value else 0

    def invalidate(self, service_id: str) -> None:
        try:
            self._client.incr(f"{PREFIX}-generation:{service_id}")
        except _DOWN as error:
            log.warning("could not invalidate cached recommendations of %s: %s",
                        service_id, error)
