"""The journeys a proposed change puts at risk (issue 19 item 3, with FR-4's impact
analysis): every journey whose steps' hard closures hold the changed service, its
composite before and after the service's own availability moves by the analysis's factor
(the same composite as GET /journeys/{id}, independent), at risk when the projection falls
below the journey's availability target."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slo_engine.application.dependency_bound import dependency_from_row
from slo_engine.application.graph_snapshot import GraphSnapshot
from slo_engine.application.ports import Row
from slo_engine.domain.composite import Dependency, composite_availability
from slo_engine.domain.journey import JOURNEY_ROOT, journey_edges


@dataclass(frozen=True)
class JourneyImpact:
    journey_id: str
    name: str
    version: int
    current_composite_ratio: float
    projected_composite_ratio: float
    target_ratio: float | None

    @property
    def at_risk(self) -> bool | None:
        """None: the journey has no target to risk."""
        if self.target_ratio is None:
            return None
        return self.projected_composite_ratio < self.target_ratio


def journey_closures(snapshot: GraphSnapshot, steps: list[str]
                     ) -> tuple[list[Dependency], dict[str, frozenset[str]]]:
    """The journey's edges (one traversal from every step at once: their closures overlap)
    and each step's hard closure, the step included."""
    edges: list[Dependency] = []
    hard: dict[str, list[str]] = {}
    seen, frontier = set(steps), list(steps)
    while frontier:
        source = frontier.pop()
        for row in snapshot.out_edges.get(source, ()):
            if row["is_stale"]:
                continue
            edge = dependency_from_row(row)
            edges.append(edge)
            if edge.exclusion_reason is None:
                hard.setdefault(source, []).append(edge.target)
                if edge.target not in seen:
                    seen.add(edge.target)
                    frontier.append(edge.target)
    return journey_edges(steps, edges), {step: _reached(step, hard) for step in steps}


def _reached(step: str, hard: Mapping[str, list[str]]) -> frozenset[str]:
    found, frontier = {step}, [step]
    while frontier:
        for target in hard.get(frontier.pop(), ()):
            if target not in found:
                found.add(target)
                frontier.append(target)
    return frozenset(found)


def journeys_affected(snapshot: GraphSnapshot, own: Mapping[str, float], journeys: list[Row],
                      service_id: str, factor: float) -> list[JourneyImpact]:
    """Most at risk first: the largest fall, then by name."""
    found = []
    for journey in journeys:
        steps = [s for s in journey["steps"] if s in snapshot.services]
        edges, needs = journey_closures(snapshot, steps)
        if not any(service_id in closure for closure in needs.values()):
            continue
        availability = {**own, JOURNEY_ROOT: 1.0}
        moved = {**availability, service_id: min(1.0, own.get(service_id, 1.0) * factor)}
        found.append(JourneyImpact(
            str(journey["journey_id"]), str(journey["name"]), int(journey["version"]),
            composite_availability(JOURNEY_ROOT, edges, availability).availability_ratio,
            composite_availability(JOURNEY_ROOT, edges, moved).availability_ratio,
            journey.get("availability_target_ratio")))
    found.sort(key=lambda j: (j.projected_composite_ratio - j.current_composite_ratio, j.name))
    return found
