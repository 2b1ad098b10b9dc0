"""Composite availability over a service's hard, synchronous dependencies.

The bound is the probability that the service and everything it needs are up, with each
distinct service counted once (ARCHITECTURE.md, "Maths that must be right"):

- serial hard dependencies multiply over the distinct reachable set, not over paths
  (a diamond A->B->D, A->C->D counts D once);
- a redundancy group (edges from one caller sharing `redundancy_group`) is up when any
  member is: 1 - prod(1 - R_i);
- a strongly connected component is a supernode whose members must all be up;
- soft, degraded and asynchronous dependencies are excluded and reported as risks.

Exact method: services every success path needs (reachable through serial edges only)
are factored out; what remains lives under redundancy groups. Where no service there is
shared, branches are independent and a recursion is exact. Shared services ("pivots")
are enumerated by up-state, deepest first, each conditioned on the states below it:
given those states everything else under a pivot is its own and independent. Beyond
`exact_pivot_limit` pivots the value is estimated by Monte Carlo with a 95% bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from slo_engine.domain.cycles import strongly_connected_components

Component = int


@dataclass(frozen=True)
class Dependency:
    source: str
    target: str
    criticality: str = "hard"
    communication_mode: str = "sync"
    redundancy_group: str | None = None

    @property
    def exclusion_reason(self) -> str | None:
        """Why this edge does not count towards availability, or None when it does."""
        if self.communication_mode != "sync":
            return self.communication_mode
        if self.criticality != "hard":
            return self.criticality
        return None


@dataclass(frozen=True)
class ExcludedDependency:
    source: str
    target: str
    reason: str


@dataclass(frozen=True)
class CompositeAvailability:
    availability_ratio: float
    method: Literal["exact", "monte_carlo"]
    error_bound_ratio: float
    counted_services: tuple[str, ...]
    essential_services: tuple[str, ...]
    supernodes: tuple[tuple[str, ...], ...]
    excluded: tuple[ExcludedDependency, ...]
    missing_availability: tuple[str, ...] = ()
    conditioned_services: tuple[str, ...] = ()
    """Shared services under redundancy groups whose states the exact method enumerated."""


@dataclass
class _Structure:
    """The dependency DAG over components: own availability and groups of children."""

    root: Component
    members: list[tuple[str, ...]]
    own: list[float]
    groups: list[list[frozenset[Component]]] = field(default_factory=list)


def published_sla_with_pessimism(published_ratio: float, pessimism_ratio: float = 0.001) -> float:
    """An external dependency with no observed history: its published SLA, less a margin.
    The default reproduces TRD FR-3's example, 99.99% published -> 99.89% assumed."""
    return max(0.0, published_ratio - pessimism_ratio)


def composite_availability(
    root: str,
    dependencies: Iterable[Dependency],
    availability: Mapping[str, float],
    exact_pivot_limit: int = 12,
    samples: int = 200_000,
    seed: int = 0,
) -> CompositeAvailability:
    """P(root and all it needs are up). Services missing from `availability` count as 1.0
    and are listed in `missing_availability`: the caller decides whether that is fatal."""
    counted, hard_edges, excluded = _hard_closure(root, dependencies)
    missing = tuple(sorted(s for s in counted if s not in availability))
    structure = _contract(root, counted, hard_edges, availability)
    essential = _essential(structure)
    pivots = _pivots(structure, essential)
    if len(pivots) <= exact_pivot_limit:
        value, method, bound = _exact(structure, essential, pivots), "exact", 0.0
    else:
        value, bound = _monte_carlo(structure, samples, seed)
        method = "monte_carlo"
    return CompositeAvailability(
        availability_ratio=value,
        method=method,  # type: ignore[arg-type]
        error_bound_ratio=bound,
        counted_services=tuple(sorted(counted)),
        essential_services=tuple(sorted(s for c in essential for s in structure.members[c])),
        supernodes=tuple(m for m in structure.members if len(m) > 1),
        excluded=tuple(excluded),
        missing_availability=missing,
        conditioned_services=tuple(sorted(s for c in pivots for s in structure.members[c])),
    )


def _hard_closure(
    root: str, dependencies: Iterable[Dependency]
) -> tuple[set[str], list[Dependency], list[ExcludedDependency]]:
    """Services reachable from root over hard sync edges; excluded edges met on the way."""
    outgoing: dict[str, list[Dependency]] = {}
    for dependency in dependencies:
        outgoing.setdefault(dependency.source, []).append(dependency)
    counted, frontier = {root}, [root]
    hard_edges, excluded = [], []
    while frontier:
        service = frontier.pop()
        for dependency in outgoing.get(service, ()):
            reason = dependency.exclusion_reason
            if reason is not None:
                excluded.append(ExcludedDependency(dependency.source, dependency.target, reason))
                continue
            hard_edges.append(dependency)
            if dependency.target not in counted:
                counted.add(dependency.target)
                frontier.append(dependency.target)
    excluded.sort(key=lambda e: (e.source, e.target))
    return counted, hard_edges, excluded


def _contract(root: str, counted: set[str], edges: list[Dependency],
              availability: Mapping[str, float]) -> _Structure:
    """Cycles become supernodes (all members required); groups are keyed by caller."""
    adjacency: dict[str, list[str]] = {service: [] for service in counted}
    for edge in edges:
        adjacency[edge.source].append(edge.target)
    components = strongly_connected_components(adjacency)
    component_of = {s: i for i, members in enumerate(components) for s in members}
    members = [tuple(sorted(c)) for c in components]
    own = [float(np.prod([availability.get(s, 1.0) for s in m])) for m in members]
    groups: list[dict[tuple[str, str], set[Component]]] = [{} for _ in components]
    for edge in edges:
        source, target = component_of[edge.source], component_of[edge.target]
        if source == target:
            continue
        key = (edge.source, edge.redundancy_group or f"serial:{edge.target}")
        groups[source].setdefault(key, set()).add(target)
    return _Structure(component_of[root], members, own,
                      [[frozenset(g) for g in by_key.values()] for by_key in groups])


def _essential(structure: _Structure) -> set[Component]:
    """Components reachable from the root through single-member groups only."""
    essential, frontier = {structure.root}, [structure.root]
    while frontier:
        component = frontier.pop()
        for group in structure.groups[component]:
            if len(group) == 1:
                (child,) = group
                if child not in essential:
                    essential.add(child)
                    frontier.append(child)
    return essential


def _pivots(structure: _Structure, essential: set[Component]) -> list[Component]:
    """Non-essential components that more than one group refers to, deepest first.
    Components are numbered in reverse topological order (Tarjan), so ascending is deepest
    first."""
    references: dict[Component, int] = {}
    for component in _reachable(structure):
        for group in structure.groups[component]:
            for child in group:
                references[child] = references.get(child, 0) + 1
    return sorted(c for c, n in references.items() if n > 1 and c not in essential)


def _reachable(structure: _Structure) -> set[Component]:
    seen, frontier = {structure.root}, [structure.root]
    while frontier:
        for group in structure.groups[frontier.pop()]:
            for child in group:
                if child not in seen:
                    seen.add(child)
                    frontier.append(child)
    return seen


def _exact(structure: _Structure, essential: set[Component], pivots: list[Component]) -> float:
    essential_product = float(np.prod([structure.own[c] for c in essential]))

    def up_probability(component: Component, fixed: dict[Component, float]) -> float:
        if component in essential:
            return 1.0  # conditioned on: its availability is in essential_product
        if component in fixed:
            return fixed[component]
        return structure.own[component] * groups_probability(component, fixed)

    def groups_probability(component: Component, fixed: dict[Component, float]) -> float:
        probability = 1.0
        for group in structure.groups[component]:
            all_down = 1.0
            for child in group:
                all_down *= 1.0 - up_probability(child, fixed)
            probability *= 1.0 - all_down
        return probability

    def top(fixed: dict[Component, float]) -> float:
        probability = 1.0
        for component in essential:
            probability *= groups_probability(component, fixed)
        return probability

    def enumerate_states(index: int, fixed: dict[Component, float], weight: float) -> float:
        if weight == 0.0:
            return 0.0
        if index == len(pivots):
            return weight * top(fixed)
        pivot = pivots[index]
        up = structure.own[pivot] * groups_probability(pivot, fixed)
        return (enumerate_states(index + 1, {**fixed, pivot: 1.0}, weight * up)
                + enumerate_states(index + 1, {**fixed, pivot: 0.0}, weight * (1.0 - up)))

    return essential_product * enumerate_states(0, {}, 1.0)


def _monte_carlo(structure: _Structure, samples: int, seed: int) -> tuple[float, float]:
    """Sample every component's own state and propagate children before parents."""
    rng = np.random.default_rng(seed)
    order = sorted(_reachable(structure))  # ascending = children first
    own_states = {c: rng.random(samples) < structure.own[c] for c in order}
    up = _propagate(structure.groups, order, own_states)
    estimate = float(up.mean())
    half_width = 1.96 * float(np.sqrt(max(estimate * (1 - estimate), 1e-12) / samples))
    return estimate, half_width


def _propagate(groups: Sequence[Sequence[frozenset[Component]]], order: Sequence[Component],
               own_states: Mapping[Component, np.ndarray]) -> np.ndarray:
    """Per sample, whether the last component in `order` (the root) and all it needs are
    up, from each component's own state: a component is up when it is and every one of its
    groups has a member up."""
    up: dict[Component, np.ndarray] = {}
    for component in order:
        state = own_states[component].copy()
        for group in groups[component]:
            any_up = np.zeros(state.shape, dtype=bool)
            for child in group:
                any_up |= up[child]
            state &= any_up
        up[component] = state
    return up[order[-1]]


@dataclass(frozen=True)
class CompositeStructure:
    """A root's hard closure as the composite sees it, availabilities aside: components
    (a cycle is one) numbered children first, each one's groups of children, and the
    essential ones (needed over serial edges only, so the root needs every one of them)."""

    root: Component
    members: tuple[tuple[str, ...], ...]
    groups: tuple[tuple[frozenset[Component], ...], ...]
    essential: frozenset[Component]
    order: tuple[Component, ...]  # the reachable components, children first, root last

    def up_given_states(self, own_states: Mapping[Component, np.ndarray]) -> np.ndarray:
        """Per sample, whether the root and all it needs are up, given each component's
        own state (True / False per sample), as the Monte Carlo propagates them."""
        return _propagate(self.groups, self.order, own_states)


def composite_structure(root: str, dependencies: Iterable[Dependency]) -> CompositeStructure:
    """The structure `composite_availability` computes over, for maths that supplies its
    own states (correlated failures)."""
    counted, hard_edges, _ = _hard_closure(root, dependencies)
    structure = _contract(root, counted, hard_edges, {})
    return CompositeStructure(
        structure.root, tuple(structure.members), tuple(tuple(g) for g in structure.groups),
        frozenset(_essential(structure)), tuple(sorted(_reachable(structure))))
