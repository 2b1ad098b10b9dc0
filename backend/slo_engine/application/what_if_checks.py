"""Each what-if dependency change checked against the graph before any maths: the 422
problems name the offending field (`/what_if/dependencies/{k}/...`)."""

from __future__ import annotations

from slo_engine.application.graph_snapshot import GraphSnapshot
from slo_engine.domain.composite import Dependency
from slo_engine.domain.dependency_changes import DependencyChange, apply_changes, edge_index
from slo_engine.domain.errors import InvalidInput

POINTER = "/what_if/dependencies/{}/{}"


def check_changes(snapshot: GraphSnapshot, edges: list[Dependency],
                  changes: list[DependencyChange]) -> None:
    """Changes apply in order, so each is checked against the edges its predecessors
    left (an edge removed and then made async is an unknown edge)."""
    working = list(edges)
    for k, change in enumerate(changes):
        _check_known(snapshot, k, "service_id", change.dependency)
        if change.kind == "availability":
            _check_reached(working, k, change)
        else:
            _check_known(snapshot, k, "caller", change.caller)
            _check_edge(working, k, change)
        if change.kind == "fallback":
            _check_fallback(snapshot, k, change)
        working = apply_changes(working, [change]).edges


def _problem(detail: str, k: int, field: str, message: str) -> InvalidInput:
    return InvalidInput(detail, [{"pointer": POINTER.format(k, field), "message": message}])


def _check_known(snapshot: GraphSnapshot, k: int, field: str, service_id: str) -> None:
    if service_id not in snapshot.services:
        raise _problem(f"Unknown service {service_id!r} in what-if change {k}.", k, field,
                       "name a service in the graph")


def _check_reached(edges: list[Dependency], k: int, change: DependencyChange) -> None:
    if not any(e.target == change.dependency for e in edges):
        raise _problem(f"{change.dependency} is not a dependency of this service.", k,
                       "service_id", "name a service this one depends on")


def _check_edge(edges: list[Dependency], k: int, change: DependencyChange) -> None:
    if edge_index(edges, change.caller, change.dependency) is None:
        raise _problem(f"{change.caller} has no edge to {change.dependency} in this "
                       "service's dependency closure.", k, "service_id",
                       f"name a dependency {change.caller} calls")


def _check_fallback(snapshot: GraphSnapshot, k: int, change: DependencyChange) -> None:
    if change.fallback is None:
        if change.availability_ratio is None:
            raise _problem("A fallback needs a service or an availability.", k,
                           "availability", "give the new fallback's availability, or "
                           "fallback_service_id")
        return
    _check_known(snapshot, k, "fallback_service_id", change.fallback)
    if change.fallback in (change.dependency, change.caller):
        raise _problem("A service cannot be its own fallback.", k, "fallback_service_id",
                       "name another service")
