"""TRD FR-1 step 5: the whole graph's divergences between observed and declared edges,
for `GET /api/v1/graph/divergences`."""

from __future__ import annotations

from slo_engine.application.ports import Clock, GraphStore
from slo_engine.domain.divergence import Divergence, DivergenceKind, graph_divergences


class GraphDivergences:
    """Knows how to list where runtime telemetry and declarations disagree, by team and
    kind (a team matches an edge when it owns either end)."""

    def __init__(self, graph: GraphStore, clock: Clock, staleness_window_ms: int) -> None:
        self._graph = graph
        self._clock = clock
        self._window_ms = staleness_window_ms

    def list(self, team: str | None = None, kind: DivergenceKind | None = None
             ) -> list[Divergence]:
        pairs = [(r["source"], r["target"]) for r in self._graph.all_dependencies()]
        found = graph_divergences(self._graph.edge_provenance(pairs), self._clock.now_ms(),
                                  self._window_ms)
        if kind is not None:
            found = [d for d in found if d.kind is kind]
        if team is not None:
            owned = self._services_of(team)
            found = [d for d in found if d.source in owned or d.target in owned]
        return found

    def _services_of(self, team: str) -> set[str]:
        return {r["service_id"] for r in self._graph.all_services() if r.get("team") == team}
