"""What-if dependency changes (issue 19 item 2), through the maths of the recommendations
and impact analysis:

- own availabilities as impact analysis counts them (active SLO, else observed 30 days,
  else an external's published SLA less the pessimism; each service's own share,
  domain/own_availability.py);
- the bound before and after: the composite over the service's hard closure
  (application/dependency_bound.py, domain/composite.py), the changes applied to its
  edges (domain/dependency_changes.py); the service itself counts as perfect;
- this service's projected availability: its own availability x the projected bound;
- upstream: impact analysis of this service moving from its current to its projected
  availability (a caller that also needs a changed dependency directly sees the change
  only through this service).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from slo_engine.application.dependency_bound import hard_closure_edges
from slo_engine.application.graph_snapshot import GraphSnapshot, SnapshotHolder
from slo_engine.application.impact_analysis import (
    AnalyseImpact,
    ImpactedService,
    OwnAvailabilities,
)
from slo_engine.application.ports import GraphStore, RecommendationWindow, SloLedger
from slo_engine.application.what_if_checks import check_changes
from slo_engine.application.what_if_words import recommendation_in_words
from slo_engine.domain.composite import (
    CompositeAvailability,
    Dependency,
    composite_availability,
)
from slo_engine.domain.dependency_changes import DependencyChange, apply_changes
from slo_engine.domain.errors import ServiceNotFound
from slo_engine.domain.slo import RecommendedTargets

RECOMMENDATION_WINDOW = RecommendationWindow("all", 30, 30)
METHOD = (
    "Own availabilities as impact analysis counts them (active SLO, else observed 30 days, "
    "else published SLA less the pessimism; each service's own share). The bound is the "
    "composite over the service's hard synchronous closure, the service itself perfect, "
    "before and after the changes; the projected availability is the service's own "
    "availability x the projected bound. Upstream: impact analysis of this service moving "
    "from its current to its projected availability.")


@dataclass(frozen=True)
class DependencyWhatIf:
    service_id: str
    changes: list[DependencyChange]
    current_bound: CompositeAvailability
    projected_bound: CompositeAvailability
    own_ratio: float
    slo_target_ratio: float | None
    stored_balanced_ratio: float | None
    upstream_at_risk: list[ImpactedService]
    upstream_affected: int
    summary: str

    @property
    def current_availability_ratio(self) -> float:
        return self.own_ratio * self.current_bound.availability_ratio

    @property
    def projected_availability_ratio(self) -> float:
        return self.own_ratio * self.projected_bound.availability_ratio


class WhatIfDependencies:
    def __init__(self, graph: GraphStore, ledger: SloLedger, snapshots: SnapshotHolder,
                 impact: AnalyseImpact) -> None:
        self._graph = graph
        self._ledger = ledger
        self._snapshots = snapshots
        self._impact = impact

    async def answer(self, service_id: str, changes: list[DependencyChange]
                     ) -> DependencyWhatIf:
        snapshot = await asyncio.to_thread(self._snapshots.current)
        if service_id not in snapshot.services:
            raise ServiceNotFound(service_id)
        known = await self._impact.own_availabilities(snapshot)
        current, projected = await asyncio.to_thread(self._bounds, snapshot, known,
                                                     service_id, changes)
        own_ratio = known.own.get(service_id, 1.0)
        upstream = await asyncio.to_thread(self._upstream, known, service_id, current,
                                           projected)
        balanced = await asyncio.to_thread(self._stored_balanced, service_id)
        at_risk = [u for u in upstream if u.slo_at_risk]
        summary = recommendation_in_words(changes, current.availability_ratio,
                                          projected.availability_ratio, balanced,
                                          [u.service_id for u in at_risk])
        return DependencyWhatIf(service_id, changes, current, projected, own_ratio,
                                known.slo_targets.get(service_id), balanced, at_risk,
                                sum(u.delta_ratio != 0 for u in upstream), summary)

    def _bounds(self, snapshot: GraphSnapshot, known: OwnAvailabilities, service_id: str,
                changes: list[DependencyChange]
                ) -> tuple[CompositeAvailability, CompositeAvailability]:
        edges = self._edges(snapshot, service_id, changes)
        own = {**known.own, service_id: 1.0}
        changed = apply_changes(edges, changes)
        return (composite_availability(service_id, edges, own),
                composite_availability(service_id, changed.edges,
                                       {**own, **changed.own_overrides}))

    def _edges(self, snapshot: GraphSnapshot, service_id: str,
               changes: list[DependencyChange]) -> list[Dependency]:
        edges = hard_closure_edges(snapshot, service_id)
        check_changes(snapshot, edges, changes)
        seen = {(e.source, e.target) for e in edges}
        for change in changes:
            if change.kind == "fallback" and change.fallback is not None:
                extra = hard_closure_edges(snapshot, change.fallback)
                edges.extend(e for e in extra if (e.source, e.target) not in seen)
                seen.update((e.source, e.target) for e in extra)
        return edges

    def _upstream(self, known: OwnAvailabilities, service_id: str,
                  current: CompositeAvailability, projected: CompositeAvailability
                  ) -> list[ImpactedService]:
        """Own x bound before and after: the ratio scales this service for upstream."""
        if current.availability_ratio <= 0:
            return []
        factor = projected.availability_ratio / current.availability_ratio
        return self._impact.upstream_of(known, service_id, factor)

    def _stored_balanced(self, service_id: str) -> float | None:
        latest = self._graph.latest_recommendation(service_id, RECOMMENDATION_WINDOW)
        stored = (None if latest is None
                  else self._ledger.get_recommendation(latest["recommendation_id"]))
        if stored is None:
            return None
        targets = RecommendedTargets.from_record(stored.get("targets"))
        return targets.for_tier("balanced").availability_ratio
