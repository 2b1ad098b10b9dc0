"""Each service's own availability, separated from its dependencies' failures.

A service's observed availability already holds the failures of everything it needs:
observed_C = own_C x P(every group of C's hard dependencies has a member that succeeds).
The composite must run over own values, or a deep dependency's failures would count once
per level. Components are solved children first, so the second factor ("allowed") is
computed from the own values already found below, exactly:

- serial groups only, no redundancy below: the product of own values over the distinct
  set the children need (a diamond counts its bottom once);
- groups whose children need pairwise disjoint sets: independent, 1 - prod(1 - success);
- groups over shared services: the exact composite of a virtual caller holding them, up
  to `EXACT_SHARED_LIMIT` services below; beyond, the independent formula, which counts
  a shared service once per path and so errs low on `allowed` (high on the dependencies'
  failures): conservative, and bounded by how available the shared services are.

A strongly connected component is all-must-be-up (ARCHITECTURE.md): each member observes
the whole component's own failures, so history cannot tell the members' shares apart.
The component's own failure (in log space, the mean of what its members observed beyond
`allowed`) is split among members in proportion to the failure each observed: equal
observations split it equally. A root inside a cycle is then taken out as perfect with
its share only, not with its cycle-mates' observations, which also carry its failures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from slo_engine.domain.closure_index import closure_index
from slo_engine.domain.composite import Dependency, composite_availability

VIRTUAL_CALLER = "\0caller"
EXACT_SHARED_LIMIT = 100  # an exact solve costs O(services below): 0.6 s for all of a 5k/50k fleet
# The virtual caller's composite is exact up to this many shared services, then sampled.
SAMPLES_FOR_SHARED_GROUPS = 20_000


@dataclass
class _Graph:
    members: list[tuple[str, ...]]  # per component, children first (Tarjan)
    component_of: dict[str, int]
    outgoing: dict[str, list[Dependency]]
    closure: list[int]  # bitset of components needed below and including each one
    grouped: list[bool]  # a redundancy group somewhere in that closure


def own_availabilities(observed: Mapping[str, float], dependencies: Iterable[Dependency]
                       ) -> dict[str, float]:
    """Own availability of every service in `observed` (services without an observation
    count as perfect on the way, and are not returned)."""
    graph = _graph(observed, dependencies)
    own_product = [1.0] * len(graph.members)
    allowed = [1.0] * len(graph.members)
    own: dict[str, float] = {}
    for component, members in enumerate(graph.members):
        allowed[component] = _allowed(graph, component, own_product, allowed, own)
        shares = _split(members, observed, allowed[component])
        own.update(shares)
        own_product[component] = math.prod(shares.values())
    return {service: own[service] for service in observed}


def _graph(observed: Mapping[str, float], dependencies: Iterable[Dependency]) -> _Graph:
    """The fleet-wide closure index (components children first, their closures as bitsets,
    where redundancy groups sit), with each service's hard edges."""
    hard = [d for d in dependencies if d.exclusion_reason is None]
    outgoing: dict[str, list[Dependency]] = {}
    for d in hard:
        outgoing.setdefault(d.source, []).append(d)
    index = closure_index(observed, hard)
    return _Graph(index.members, dict(index.component_of), outgoing, index.closure,
                  index.grouped)


def _out_groups(graph: _Graph, component: int) -> list[frozenset[int]]:
    """The component's groups of children outside it; equal serial needs count once."""
    groups: dict[tuple[str, str], set[int]] = {}
    for source in graph.members[component]:
        for d in graph.outgoing.get(source, ()):
            target = graph.component_of[d.target]
            if target != component:
                key = (source, d.redundancy_group) if d.redundancy_group else ("", str(target))
                groups.setdefault(key, set()).add(target)
    return list({frozenset(g) for g in groups.values()})


def _allowed(graph: _Graph, component: int, own_product: list[float], allowed: list[float],
             own: Mapping[str, float]) -> float:
    """P(every out-group of the component has a member that succeeds), exactly."""
    groups = _out_groups(graph, component)
    if not groups:
        return 1.0
    children = sorted({c for g in groups for c in g})
    union = 0
    for child in children:
        union |= graph.closure[child]
    if all(len(g) == 1 for g in groups) and not any(graph.grouped[c] for c in children):
        return math.prod(own_product[c] for c in _bits(union))
    # Independent only when no child sits in two groups and nothing below is shared.
    disjoint = (sum(len(g) for g in groups) == len(children)
                and sum(graph.closure[c].bit_count() for c in children) == union.bit_count())
    if disjoint or union.bit_count() > EXACT_SHARED_LIMIT:
        # Disjoint below: each child succeeds independently of the others.
        success = {c: own_product[c] * allowed[c] for c in children}
        return math.prod(1.0 - math.prod(1.0 - success[c] for c in g) for g in groups)
    return _virtual_caller_composite(graph, component, union, own)


def _virtual_caller_composite(graph: _Graph, component: int, union: int,
                              own: Mapping[str, float]) -> float:
    """Shared services under groups: a caller holding the component's out-edges, over
    everything below it, through the exact composite."""
    edges = []
    for source in graph.members[component]:
        for d in graph.outgoing.get(source, ()):
            if graph.component_of[d.target] != component:
                group = f"{source}\0{d.redundancy_group}" if d.redundancy_group else None
                edges.append(Dependency(VIRTUAL_CALLER, d.target, redundancy_group=group))
    for child in _bits(union):
        for source in graph.members[child]:
            edges.extend(graph.outgoing.get(source, ()))
    availability = {**own, VIRTUAL_CALLER: 1.0}
    return composite_availability(VIRTUAL_CALLER, edges, availability,
                                  samples=SAMPLES_FOR_SHARED_GROUPS).availability_ratio


def _split(members: tuple[str, ...], observed: Mapping[str, float], allowed: float
           ) -> dict[str, float]:
    """Own availability per member: the failure each observed beyond `allowed` (in log
    space), its mean as the component's own failure, shared in proportion."""
    failures = {s: _log_failure(observed[s], allowed) for s in members if s in observed}
    total = sum(failures.values())
    if total <= 0.0:
        return dict.fromkeys(members, 1.0)
    component_failure = total / len(failures)
    return {s: math.exp(-component_failure * failures.get(s, 0.0) / total) for s in members}


def _log_failure(observed_ratio: float, allowed: float) -> float:
    if allowed <= 0.0 or observed_ratio >= allowed:
        return 0.0
    return -math.log(max(observed_ratio, 1e-12) / allowed)


def _bits(bitset: int) -> list[int]:
    found = []
    while bitset:
        low = bitset & -bitset
        found.append(low.bit_length() - 1)
        bitset ^= low
    return found
