"""The drift cooldown as Redis keys that expire: SET NX makes one worker the claimant."""

from __future__ import annotations

import redis

from slo_engine.domain.errors import DependencyUnavailable


class RedisDriftCooldown:
    def __init__(self, client: redis.Redis, prefix: str = "slo-engine:drift-cooldown:") -> None:
        self._client = client
        self._prefix = prefix

    def claim(self, service_id: str, seconds: int) -> bool:
        try:
            return bool(self._client.set(self._prefix + service_id, "1", nx=True, ex=seconds))
        except redis.exceptions.RedisError as error:
            raise DependencyUnavailable("drift cooldown (Redis)", str(error)) from error
