"""TRD FR-1 step 5: the whole graph's divergences between observed and declared edges,
for `GET /api/v1/graph/divergences` and each discovery run's counts.

The in-process snapshot (version-checked on each read) names every edge's sources and
when it was last observed: enough for an edge one source alone reports. Only the edges
two or more sources report are read back with their provenance (JSON per edge), whose
attributes and per-source times can diverge. Reading all 50,000 edges' provenance after
every run took 10-16 s of a loaded 5,000-service discovery; a fleet discovered and not
declared reads none."""

from __future__ import annotations

from collections.abc import Iterator

from slo_engine.application.graph_snapshot import GraphSnapshot, SnapshotHolder
from slo_engine.application.ports import Clock, GraphStore, Row, StoredProvenance
from slo_engine.domain.divergence import (
    Divergence,
    DivergenceKind,
    Provenance,
    graph_divergences,
    sole_source_provenance,
)


class GraphDivergences:
    """Knows how to list where runtime telemetry and declarations disagree, by team and
    kind (a team matches an edge when it owns either end)."""

    def __init__(self, graph: GraphStore, snapshots: SnapshotHolder, clock: Clock,
                 staleness_window_ms: int) -> None:
        self._graph = graph
        self._snapshots = snapshots
        self._clock = clock
        self._window_ms = staleness_window_ms

    def list(self, team: str | None = None, kind: DivergenceKind | None = None
             ) -> list[Divergence]:
        snapshot = self._snapshots.current()
        found = graph_divergences(self._provenance(snapshot), self._clock.now_ms(),
                                  self._window_ms)
        if kind is not None:
            found = [d for d in found if d.kind is kind]
        if team is not None:
            owned = {service_id for service_id, row in snapshot.services.items()
                     if row.get("team") == team}
            found = [d for d in found if d.source in owned or d.target in owned]
        return found

    def _provenance(self, snapshot: GraphSnapshot) -> dict[tuple[str, str], Provenance]:
        """Every edge's provenance as far as divergence reads it; an edge without sources
        (none stored) has none."""
        edges = list(_edges(snapshot))
        shared: StoredProvenance = self._graph.edge_provenance(
            [(e["source"], e["target"]) for e in edges if len(e["sources"] or ()) > 1])
        sole = {(e["source"], e["target"]): sole_source_provenance(
                    e["sources"][0], e["last_observed_at"], e["confidence_score"])
                for e in edges if len(e["sources"] or ()) == 1}
        return {**sole, **shared}


def _edges(snapshot: GraphSnapshot) -> Iterator[Row]:
    for rows in snapshot.out_edges.values():
        yield from rows
