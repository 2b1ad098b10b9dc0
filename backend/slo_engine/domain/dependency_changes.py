"""What-if dependency changes (issue 19 item 2) applied to a service's dependency edges.

A change rewrites the edges the composite runs over, or overrides one service's own
availability, and nothing else: the projected bound is then the same composite as the
recommendations' (domain/composite.py).

- `availability`: the dependency's own availability (without its dependencies'
  failures), the quantity the recommendation's "one nine better" counterfactual sets;
- `fallback`: the caller's edge to the dependency joins a redundancy group with an edge
  to the fallback (an existing service, or a new one at a stated availability);
- `mode`: the edge becomes async, or soft / degraded (excluded from the composite);
- `remove`: the caller's edge to the dependency is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from slo_engine.domain.composite import Dependency

ChangeKind = Literal["availability", "fallback", "mode", "remove"]


@dataclass(frozen=True)
class DependencyChange:
    kind: ChangeKind
    dependency: str
    caller: str  # whose edge to `dependency` changes (availability changes: unused)
    availability_ratio: float | None = None  # availability; a new fallback's
    fallback: str | None = None  # an existing service as the fallback
    communication_mode: str | None = None
    criticality: str | None = None

    @property
    def fallback_id(self) -> str:
        """The fallback service: the named one, or a new one named after the dependency."""
        return self.fallback or f"{self.dependency} (fallback)"


@dataclass(frozen=True)
class ChangedDependencies:
    edges: list[Dependency]
    own_overrides: dict[str, float]


def apply_changes(edges: list[Dependency], changes: list[DependencyChange]
                  ) -> ChangedDependencies:
    """The edges and own availabilities after every change, in order. The caller has
    checked that each changed edge exists (`edge_index`)."""
    current, overrides = list(edges), {}
    for change in changes:
        if change.kind == "availability":
            overrides[change.dependency] = float(change.availability_ratio or 0.0)
        else:
            current = _rewrite(current, change)
            if change.kind == "fallback" and change.fallback is None:
                overrides[change.fallback_id] = float(change.availability_ratio or 0.0)
    return ChangedDependencies(current, overrides)


def edge_index(edges: list[Dependency], caller: str, dependency: str) -> int | None:
    """Where the caller's edge to the dependency is, or None."""
    for k, edge in enumerate(edges):
        if edge.source == caller and edge.target == dependency:
            return k
    return None


def _rewrite(edges: list[Dependency], change: DependencyChange) -> list[Dependency]:
    k = edge_index(edges, change.caller, change.dependency)
    if k is None:
        return edges
    edge, rest = edges[k], edges[:k] + edges[k + 1:]
    if change.kind == "remove":
        return rest
    if change.kind == "mode":
        return [*rest, replace(edge, communication_mode=change.communication_mode
                               or edge.communication_mode,
                               criticality=change.criticality or edge.criticality)]
    group = edge.redundancy_group or f"what-if fallback for {change.dependency}"
    return [*rest, replace(edge, redundancy_group=group),
            Dependency(change.caller, change.fallback_id, "hard", "sync", group)]
