"""Observed availability of many services at once, read from the metrics store in
grouped queries and kept for a few minutes: fleet-wide analyses ask for thousands of
services, and minute-old 30-day ratios are as good as fresh ones."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from slo_engine.application.ports import Clock
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.time_units import DAY_SECONDS

WINDOW_DAYS = 30
STEP_SECONDS = 900  # window ends are aligned so every caller shares one answer


@dataclass
class ObservedAvailability:
    ratios: dict[str, float]
    generation: int = 0  # changes whenever the ratios do: a key for what derives from them
    stale: bool = False
    stale_reason: str | None = None


@dataclass
class _Cached:
    fetched_at_ms: int
    generation: int = 0
    asked: set[str] = field(default_factory=set)
    ratios: dict[str, float] = field(default_factory=dict)


class FleetAvailability:
    def __init__(self, telemetry: Telemetry | None, clock: Clock, ttl_seconds: int = 300
                 ) -> None:
        self._telemetry = telemetry
        self._clock = clock
        self._ttl_ms = ttl_seconds * 1000
        self._cached = _Cached(fetched_at_ms=-(10**15))
        self._refresh = asyncio.Lock()

    async def observed(self, service_ids: set[str]) -> ObservedAvailability:
        if self._telemetry is None:
            return ObservedAvailability({}, 0, True, "no metrics store is configured")
        async with self._refresh:
            cached, now = self._cached, self._clock.now_ms()
            fresh = now - cached.fetched_at_ms < self._ttl_ms
            if fresh and service_ids <= cached.asked:
                return ObservedAvailability(cached.ratios, cached.generation)
            wanted = service_ids if not fresh else service_ids - cached.asked
            try:
                ratios = await self._fetch(self._telemetry, sorted(wanted), now)
            except DependencyUnavailable as error:
                return ObservedAvailability(dict(cached.ratios), cached.generation, True,
                                            str(error))
            generation = cached.generation + 1
            self._cached = (_Cached(cached.fetched_at_ms, generation, cached.asked | wanted,
                                    {**cached.ratios, **ratios}) if fresh
                            else _Cached(now, generation, set(wanted), ratios))
            return ObservedAvailability(self._cached.ratios, generation)

    @staticmethod
    async def _fetch(telemetry: Telemetry, service_ids: list[str], now_ms: int
                     ) -> dict[str, float]:
        end = now_ms // 1000 // STEP_SECONDS * STEP_SECONDS
        found = await telemetry.availabilities(service_ids, end - WINDOW_DAYS * DAY_SECONDS, end)
        return {s: r for s, r in found.items() if r is not None}
