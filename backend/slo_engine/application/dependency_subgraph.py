"""FR-1 reads: the subgraph around a service, walked level by level to an exact depth.

Walking in process (one query per level) tells each node's distance and whether the
depth limit cut the walk short, which a variable-length Cypher pattern cannot report
without enumerating paths.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slo_engine.application.ports import GraphStore, Row
from slo_engine.domain.errors import ServiceNotFound
from slo_engine.domain.model import Direction, ServiceType

Fetch = Callable[[list[str]], list[Row]]

# Node field -> the column carrying it on an edge row.
NODE_FIELDS = {
    "team": "neighbour_team",
    "criticality": "neighbour_criticality",
    "service_type": "neighbour_type",
    "discovered": "neighbour_discovered",
}


@dataclass
class Walk:
    depth_of: dict[str, int] = field(default_factory=dict)
    neighbours: dict[str, Row] = field(default_factory=dict)
    edges: list[Row] = field(default_factory=list)
    depth_limit_reached: bool = False


def walk(fetch: Fetch, root: str, max_depth: int, include_external: bool) -> Walk:
    result = Walk(depth_of={root: 0})
    frontier = [root]
    for level in range(1, max_depth + 2):
        if not frontier:
            break
        rows = [r for r in fetch(frontier)
                if include_external or r["neighbour_type"] != ServiceType.EXTERNAL]
        if level > max_depth:
            result.depth_limit_reached = any(r["neighbour"] not in result.depth_of for r in rows)
            break
        frontier = []
        for row in rows:
            result.edges.append(row)
            neighbour = row["neighbour"]
            if neighbour not in result.depth_of:
                result.depth_of[neighbour] = level
                result.neighbours[neighbour] = row
                frontier.append(neighbour)
    return result


def dependency_subgraph(
    graph: GraphStore,
    service_id: str,
    direction: Direction,
    max_depth: int,
    include_external: bool = True,
    include_stale: bool = False,
) -> dict[str, Any]:
    service = graph.get_service(service_id)
    if service is None:
        raise ServiceNotFound(service_id)
    walks: dict[str, Walk] = {}
    if direction in (Direction.DOWNSTREAM, Direction.BOTH):
        walks["downstream"] = walk(lambda ids: graph.downstream_edges(ids, include_stale),
                                   service_id, max_depth, include_external)
    if direction in (Direction.UPSTREAM, Direction.BOTH):
        walks["upstream"] = walk(lambda ids: graph.upstream_edges(ids, include_stale),
                                 service_id, max_depth, include_external)
    return {
        "service": service,
        "direction": direction.value,
        "max_depth": max_depth,
        "nodes": _nodes(walks),
        "edges": _edges(walks),
        "depth_limit_reached": any(w.depth_limit_reached for w in walks.values()),
    }


def _nodes(walks: dict[str, Walk]) -> list[Row]:
    nodes: dict[str, Row] = {}
    for direction, w in walks.items():
        for service_id, row in w.neighbours.items():
            node = nodes.setdefault(service_id, {
                "service_id": service_id,
                **{name: row[column] for name, column in NODE_FIELDS.items()},
                "downstream_depth": None,
                "upstream_depth": None,
            })
            node[f"{direction}_depth"] = w.depth_of[service_id]
    return sorted(nodes.values(), key=lambda n: n["service_id"])


def _edges(walks: dict[str, Walk]) -> list[Row]:
    edges: dict[tuple[str, str], Row] = {}
    for w in walks.values():
        for row in w.edges:
            edges.setdefault((row["source"], row["target"]), row)
    return list(edges.values())
