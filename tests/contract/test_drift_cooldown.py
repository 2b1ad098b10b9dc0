"""The DriftCooldown contract, on Redis and on the in-memory fake."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from slo_engine.adapters.redis_cooldown import RedisDriftCooldown
from slo_engine.application.ports import DriftCooldown
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.fakes import InMemoryDriftCooldown, TickingClock


@dataclass(frozen=True)
class Cooldowns:
    """A cooldown, and how a test lets seconds pass for it."""

    cooldown: DriftCooldown
    lapse: Callable[[float], None]


@pytest.fixture(params=["redis", "memory"])
def cooldowns(request: pytest.FixtureRequest, redis_server: ServerProcess
              ) -> Iterator[Cooldowns]:
    if request.param == "memory":
        clock = TickingClock()

        def advance(seconds: float) -> None:
            clock.now += int(seconds * 1000)

        yield Cooldowns(InMemoryDriftCooldown(clock), advance)
        return
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield Cooldowns(RedisDriftCooldown(client), time.sleep)  # keys expire on Redis's clock
    client.close()


def test_the_first_claim_of_a_service_wins_and_later_ones_lose(cooldowns: Cooldowns) -> None:
    cooldown = cooldowns.cooldown
    assert cooldown.claim("checkout", 3600) is True
    assert cooldown.claim("checkout", 3600) is False
    assert cooldown.claim("checkout", 1) is False  # a shorter claim does not cut it short
    assert cooldown.claim("cart", 3600) is True


def test_a_claim_lapses_after_its_seconds(cooldowns: Cooldowns) -> None:
    assert cooldowns.cooldown.claim("checkout", 1) is True
    cooldowns.lapse(0.5)
    assert cooldowns.cooldown.claim("checkout", 1) is False
    cooldowns.lapse(0.7)
    assert cooldowns.cooldown.claim("checkout", 1) is True


def test_a_cooldown_whose_redis_is_down_is_unavailable() -> None:
    """Redis only: the fake has no server to lose."""
    client = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                         retry=Retry(NoBackoff(), 0))
    with pytest.raises(DependencyUnavailable, match="drift cooldown"):
        RedisDriftCooldown(client).claim("checkout", 60)
