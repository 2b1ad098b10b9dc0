"""A service's SLO versions and audit trail, and the audit chain's integrity. Read-only."""

from __future__ import annotations

from slo_engine.application.ports import GraphStore, Row, SloLedger
from slo_engine.application.verify_audit import verify_audit_chain
from slo_engine.domain.audit_chain import ChainedEvent, ChainVerification
from slo_engine.domain.errors import ServiceNotFound


class SloRecords:
    def __init__(self, ledger: SloLedger, graph: GraphStore) -> None:
        self._ledger = ledger
        self._graph = graph

    def versions(self, service_id: str) -> list[Row]:
        """Newest first. Every decision activates a version numbered one above the last,
        and nothing deactivates one, so the first is the active one."""
        self._require(service_id)
        return self._ledger.slo_versions(service_id)

    def audit_trail(self, service_id: str, limit: int) -> list[ChainedEvent]:
        """Newest first."""
        self._require(service_id)
        return self._ledger.service_audit_events(service_id, limit)

    def verify_chain(self) -> ChainVerification:
        return verify_audit_chain(self._ledger)

    def _require(self, service_id: str) -> None:
        if self._graph.get_service(service_id) is None:
            raise ServiceNotFound(service_id)
