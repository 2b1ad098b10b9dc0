"""FR-1 reads: the subgraph around a service, walked level by level to an exact depth.

The walk runs over the in-process snapshot, so it knows each node's distance and
whether the depth limit cut it short, which a variable-length Cypher pattern cannot
report without enumerating paths.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slo_engine.application.graph_snapshot import GraphSnapshot, SnapshotHolder
from slo_engine.application.ports import Clock, GraphStore, Row
from slo_engine.domain.errors import ServiceNotFound
from slo_engine.domain.model import Direction, ServiceType

Neighbours = Callable[[str], list[tuple[str, Row]]]
NODE_FIELDS = ("team", "criticality", "service_type", "discovered")


@dataclass
class Walk:
    depth_of: dict[str, int] = field(default_factory=dict)
    edges: list[Row] = field(default_factory=list)
    depth_limit_reached: bool = False


def walk(neighbours: Neighbours, root: str, max_depth: int) -> Walk:
    """Breadth-first to max_depth; one more level is only looked at, to report truncation."""
    result = Walk(depth_of={root: 0})
    frontier = [root]
    for level in range(1, max_depth + 1):
        next_frontier = []
        for service_id in frontier:
            for neighbour, edge in neighbours(service_id):
                result.edges.append(edge)
                if neighbour not in result.depth_of:
                    result.depth_of[neighbour] = level
                    next_frontier.append(neighbour)
        frontier = next_frontier
    result.depth_limit_reached = any(
        neighbour not in result.depth_of for s in frontier for neighbour, _ in neighbours(s)
    )
    return result


def _neighbours(
    adjacency: Mapping[str, list[Row]], far_end: str, services: Mapping[str, Row],
    include_external: bool, include_stale: bool, stale_before_ms: int,
) -> Neighbours:
    def neighbours(service_id: str) -> list[tuple[str, Row]]:
        found = []
        for edge in adjacency.get(service_id, ()):
            if not include_stale and is_stale_at_read(edge, stale_before_ms):
                continue
            other = edge[far_end]
            if not include_external and services[other]["service_type"] == ServiceType.EXTERNAL:
                continue
            found.append((other, edge))
        return found

    return neighbours


def is_stale_at_read(edge: Row, stale_before_ms: int) -> bool:
    """Flagged by an ingestion, or past the window since: no source has to submit again
    for an abandoned edge to stop counting."""
    return bool(edge["is_stale"]) or edge["last_observed_at"] < stale_before_ms


def dependency_subgraph(
    graph: GraphStore,
    snapshot: GraphSnapshot,
    service_id: str,
    direction: Direction,
    max_depth: int,
    stale_before_ms: int,
    include_external: bool = True,
    include_stale: bool = False,
    include_metadata: bool = False,
) -> dict[str, Any]:
    service = graph.get_service(service_id)
    if service is None:
        raise ServiceNotFound(service_id)
    walks: dict[str, Walk] = {}
    if direction in (Direction.DOWNSTREAM, Direction.BOTH):
        walks["downstream"] = walk(_neighbours(snapshot.out_edges, "target", snapshot.services,
                                               include_external, include_stale, stale_before_ms),
                                   service_id, max_depth)
    if direction in (Direction.UPSTREAM, Direction.BOTH):
        walks["upstream"] = walk(_neighbours(snapshot.in_edges, "source", snapshot.services,
                                             include_external, include_stale, stale_before_ms),
                                 service_id, max_depth)
    edges = [{**edge, "is_stale": is_stale_at_read(edge, stale_before_ms)}
             for edge in _edges(walks)]
    if include_metadata:  # read from the store: the snapshot holds no metadata
        metadata = graph.edge_metadata([(e["source"], e["target"]) for e in edges])
        edges = [{**e, "metadata": metadata.get((e["source"], e["target"]), {})}
                 for e in edges]
    return {
        "service": service,
        "direction": direction.value,
        "max_depth": max_depth,
        "nodes": _nodes(walks, snapshot.services, service_id),
        "edges": edges,
        "depth_limit_reached": any(w.depth_limit_reached for w in walks.values()),
    }


def _nodes(walks: dict[str, Walk], services: Mapping[str, Row], root: str) -> list[Row]:
    nodes: dict[str, Row] = {}
    for direction, w in walks.items():
        for service_id, depth in w.depth_of.items():
            if service_id == root:
                continue
            node = nodes.get(service_id)
            if node is None:
                known = services.get(service_id, {})
                node = nodes[service_id] = {
                    "service_id": service_id, **{f: known.get(f) for f in NODE_FIELDS},
                    "downstream_depth": None, "upstream_depth": None,
                }
            node[f"{direction}_depth"] = depth
    return sorted(nodes.values(), key=lambda n: n["service_id"])


def _edges(walks: dict[str, Walk]) -> list[Row]:
    edges: dict[tuple[str, str], Row] = {}
    for w in walks.values():
        for row in w.edges:
            edges.setdefault((row["source"], row["target"]), row)
    return list(edges.values())


@dataclass(frozen=True)
class DependencySubgraphs:
    """Knows how to read the subgraph around a service as the store and the snapshot hold
    it now: edges older than the staleness window count as stale."""

    graph: GraphStore
    snapshots: SnapshotHolder
    clock: Clock
    staleness_window_ms: int

    def around(self, service_id: str, direction: Direction, max_depth: int,
               include_external: bool = True, include_stale: bool = False,
               include_metadata: bool = False) -> dict[str, Any]:
        stale_before = self.clock.now_ms() - self.staleness_window_ms
        return dependency_subgraph(self.graph, self.snapshots.current(), service_id,
                                   direction, max_depth, stale_before, include_external,
                                   include_stale, include_metadata)
