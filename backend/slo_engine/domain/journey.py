"""Journeys (issue 19 item 3): a user journey is an entry service and the services it
passes. It succeeds when every step and everything each step hard-depends on is up, so
its composite is the composite of a virtual caller with a serial hard edge to each step:
the union of the steps' hard closures, each distinct service counted once
(composite.py's rule, over the same maths).

A step's share of the journey's failures is its Shapley value in log space: log C is a
sum over the distinct services of their log availability, each service's part split
equally among the steps whose closures hold it (the Shapley value of a coverage game
with additive weights), exact for a journey without redundancy groups. Under groups, the
part the essential services leave (log of the rest) is spread over the other services in
proportion to their own log availability.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from slo_engine.domain.composite import CompositeAvailability, Dependency

JOURNEY_ROOT = "\0journey"


def journey_edges(steps: Sequence[str], closure_edges: Iterable[Dependency]
                  ) -> list[Dependency]:
    """The virtual caller's serial hard edges to every step, then the steps' closures'
    edges (each once)."""
    edges = [Dependency(JOURNEY_ROOT, step) for step in steps]
    seen: set[tuple[str, str]] = set()
    for edge in closure_edges:
        if (edge.source, edge.target) not in seen:
            seen.add((edge.source, edge.target))
            edges.append(edge)
    return edges


def unreachable_steps(steps: Sequence[str], callees: Mapping[str, Iterable[str]]
                      ) -> list[int]:
    """Positions of the steps the entry (the first step) does not reach over live edges
    of any kind: a journey passes services its entry calls, directly or not."""
    reached, frontier = {steps[0]}, [steps[0]]
    while frontier:
        for callee in callees.get(frontier.pop(), ()):
            if callee not in reached:
                reached.add(callee)
                frontier.append(callee)
    return [k for k, step in enumerate(steps) if step not in reached]


def repeated_steps(steps: Sequence[str]) -> list[int]:
    """Positions of steps that name a service an earlier step already named."""
    seen: set[str] = set()
    repeated = []
    for k, step in enumerate(steps):
        if step in seen:
            repeated.append(k)
        seen.add(step)
    return repeated


def step_failure_shares(steps: Sequence[str], needs: Mapping[str, frozenset[str]],
                        availability: Mapping[str, float], composite: CompositeAvailability
                        ) -> dict[str, float]:
    """Each step's part of the journey's unavailability 1 - C (they sum to it).
    `needs[step]`: the step and every service in its hard closure."""
    weights = _service_weights(availability, composite)
    total = sum(weights.values())
    covering: dict[str, int] = {}
    for step in steps:
        for service in needs[step]:
            covering[service] = covering.get(service, 0) + 1
    unavailability = 1.0 - composite.availability_ratio
    shares = {}
    for step in steps:
        part = sum(weights.get(s, 0.0) / covering[s] for s in needs[step])
        shares[step] = part / total * unavailability if total > 0 else 0.0
    return shares


def _service_weights(availability: Mapping[str, float], composite: CompositeAvailability
                     ) -> dict[str, float]:
    """-log of each counted service's part of C: its own for essential services; the rest
    (log C less the essential part) spread over the others by their -log availability."""
    def minus_log(service: str) -> float:
        return -math.log(max(availability.get(service, 1.0), 1e-300))

    essential = set(composite.essential_services)
    weights = {s: minus_log(s) for s in essential}
    others = {s: minus_log(s) for s in composite.counted_services if s not in essential}
    rest = -math.log(max(composite.availability_ratio, 1e-300)) - sum(weights.values())
    spread = sum(others.values())
    for service, own in others.items():
        weights[service] = max(rest, 0.0) * own / spread if spread > 0 else 0.0
    return weights
