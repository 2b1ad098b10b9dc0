"""A journey's composite availability (issue 19 item 3), independent and correlated.

Own availabilities as impact analysis counts them (active SLO, else observed 30 days,
else an external's published SLA less the pessimism; each service's own share), so a
journey, a what-if and an impact analysis agree. The independent composite is the
composite of a virtual caller needing every step (domain/journey.py, composite.py); the
correlated one couples services that share a failure domain (domain/failure_domains.py:
metadata keys from the settings, the correlation from the settings or the request).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.impact_analysis import AnalyseImpact, OwnAvailabilities
from slo_engine.application.journey_impact import journey_closures
from slo_engine.application.journeys import Journeys
from slo_engine.application.ports import JourneyStore, Row
from slo_engine.domain.composite import CompositeAvailability, composite_availability
from slo_engine.domain.failure_domains import (
    CorrelatedComposite,
    correlated_composite,
    failure_domain_weights,
)
from slo_engine.domain.journey import JOURNEY_ROOT


@dataclass(frozen=True)
class FailureDomainSettings:
    keys: tuple[str, ...] = ("zone", "cluster", "database", "node_pool")
    correlation: float = 0.5
    draws: int = 10_000


@dataclass(frozen=True)
class JourneyComposite:
    journey: Row
    independent: CompositeAvailability
    correlated: CorrelatedComposite
    correlation: float
    seed: int
    needs: dict[str, frozenset[str]]  # per step: the step and its hard closure
    own: Mapping[str, float]  # the availabilities the composites ran over
    sources: dict[str, int] = field(default_factory=dict)  # where they came from, counted
    stale: bool = False
    stale_reason: str | None = None


def journey_seed(journey_id: str) -> int:
    """The same journey draws the same Monte Carlo unless a seed is given."""
    return zlib.crc32(journey_id.encode())


class JourneyComposites:
    def __init__(self, journeys: Journeys, store: JourneyStore, snapshots: SnapshotHolder,
                 impact: AnalyseImpact, domains: FailureDomainSettings) -> None:
        self._journeys = journeys
        self._store = store
        self._snapshots = snapshots
        self._impact = impact
        self._domains = domains

    async def composite(self, journey_id: str, correlation: float | None = None,
                        seed: int | None = None) -> JourneyComposite:
        journey = await asyncio.to_thread(self._journeys.get, journey_id)
        snapshot = await asyncio.to_thread(self._snapshots.current)
        known = await self._impact.own_availabilities(snapshot)
        rho = self._domains.correlation if correlation is None else correlation
        chosen_seed = journey_seed(journey_id) if seed is None else seed
        return await asyncio.to_thread(self._compute, journey, known, rho, chosen_seed)

    def _compute(self, journey: Row, known: OwnAvailabilities, correlation: float,
                 seed: int) -> JourneyComposite:
        steps = list(journey["steps"])
        edges, needs = journey_closures(known.snapshot, steps)
        own = {**known.own, JOURNEY_ROOT: 1.0}
        independent = composite_availability(JOURNEY_ROOT, edges, own)
        services = [s for s in independent.counted_services if s != JOURNEY_ROOT]
        weights = failure_domain_weights(self._store.service_metadata(services),
                                         dict.fromkeys(self._domains.keys, correlation))
        correlated = correlated_composite(JOURNEY_ROOT, edges, own, weights,
                                          self._domains.draws, seed)
        sources: dict[str, int] = {}
        for service in services:
            source = known.derived.sources.get(service, "unknown")
            sources[source] = sources.get(source, 0) + 1
        return JourneyComposite(journey, independent, correlated, correlation, seed, needs,
                                own, sources, known.stale, known.stale_reason)
