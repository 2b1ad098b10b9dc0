"""Alertmanager inhibit rules for the fleet's active SLOs, from the dependency graph."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slo_engine.application.dependency_bound import dependency_from_row
from slo_engine.application.dependency_subgraph import is_stale_at_read
from slo_engine.application.graph_snapshot import GraphSnapshot, SnapshotHolder
from slo_engine.application.ports import Clock, SloLedger
from slo_engine.domain.cycles import strongly_connected_components
from slo_engine.generators.alert_windows import AlertWindows
from slo_engine.generators.inhibit_rules import inhibit_rules_file


@dataclass(frozen=True)
class InhibitRules:
    """Knows which caller pages a dependency's page may hold back: edges that are hard,
    synchronous, live, without a fallback (redundancy group) and outside any cycle,
    between two services that both have an active SLO."""

    ledger: SloLedger
    snapshots: SnapshotHolder
    clock: Clock
    staleness_window_ms: int
    windows: Mapping[int, AlertWindows]

    def edges(self, snapshot: GraphSnapshot | None = None) -> list[tuple[str, str]]:
        snapshot = snapshot or self.snapshots.current()
        with_slo = set(self.ledger.all_active_slos())
        stale_before = self.clock.now_ms() - self.staleness_window_ms
        candidates = [
            (row["source"], row["target"])
            for rows in snapshot.out_edges.values() for row in rows
            if not is_stale_at_read(row, stale_before)
            and dependency_from_row(row).exclusion_reason is None
            and not row["redundancy_group"]
            and row["source"] in with_slo and row["target"] in with_slo]
        cyclic = _cycle_of(candidates)
        return sorted((caller, dependency) for caller, dependency in candidates
                      if caller not in cyclic or cyclic[caller] != cyclic.get(dependency))

    def render(self) -> str:
        snapshot = self.snapshots.current()
        severities = sorted({s.severity for w in self.windows.values() for s in w.severities})
        return inhibit_rules_file(self.edges(snapshot), severities, snapshot.version)


def _cycle_of(edges: list[tuple[str, str]]) -> dict[str, int]:
    """The cycle (strongly connected component of two or more) each member belongs to."""
    adjacency: dict[str, list[str]] = {}
    for caller, dependency in edges:
        adjacency.setdefault(caller, []).append(dependency)
        adjacency.setdefault(dependency, [])
    components = strongly_connected_components(adjacency)
    return {member: k for k, members in enumerate(components) if len(members) > 1
            for member in members}
