"""What a service's runbooks are told of the world beyond its SLO: its dependencies and how
each stands (from the graph and the ledger) and its recent drift (from the audit trail)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slo_engine.application.dependency_bound import dependency_from_row
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.ports import SloLedger
from slo_engine.generators.runbook_context import DependencyStatus, DriftNote, RunbookContext

DRIFT_EVENTS_READ = 200  # of a service's newest audit events, enough for months of drift


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class RunbookContexts:
    """Knows how to gather a service's runbook context."""

    ledger: SloLedger
    snapshots: SnapshotHolder

    def of(self, service_id: str, active: Mapping[str, Mapping[str, Any]] | None = None
           ) -> RunbookContext:
        """`active`: the fleet's active SLOs by service, when the caller has read them."""
        slos = active if active is not None else self.ledger.all_active_slos()
        dependencies = []
        for row in self.snapshots.current().out_edges.get(service_id, []):
            dependency = dependency_from_row(row)
            slo = slos.get(dependency.target) or {}
            objective = slo.get("availability_target_ratio")
            dependencies.append(DependencyStatus(
                dependency.target,
                "hard" if dependency.exclusion_reason is None else "soft",
                None if objective is None else float(objective), None))
        drift = [DriftNote(_iso(int(e.content.get("occurred_at", 0))),
                           str(e.content.get("rationale") or "drift confirmed"))
                 for e in self.ledger.service_audit_events(service_id, DRIFT_EVENTS_READ)
                 if e.content.get("action") == "drift_triggered"]
        return RunbookContext(tuple(sorted(dependencies, key=lambda d: d.service_id)),
                              tuple(drift))
