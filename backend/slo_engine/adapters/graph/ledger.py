"""The SloLedger port over any CypherRunner: SLO versions, decisions and the audit chain.

Every write is one statement, so each decision and its audit event commit together.
Neither backend stores nulls or maps as properties: absent values are left out (the
chain hashes exactly what is stored) and nested values travel as JSON text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import Row
from slo_engine.domain.audit_chain import GENESIS_HASH, ChainedEvent

LEDGER_QUERIES = [
    "audit/ensure_audit_head", "audit/audit_head", "audit/audit_events",
    "audit/service_audit_events", "audit/append_audit_event",
    "slos/record_slo_version", "slos/record_rejection", "slos/active_slo",
    "slos/slo_versions", "slos/all_active_slos", "recommendations/get_recommendation",
    "dashboard/slo_coverage", "dashboard/decision_counts",
]
CHAIN_FIELDS = ("sequence", "previous_hash", "hash")
JSON_SLO_FIELDS = ("latency_targets_seconds", "latency_bucket_bounds_seconds",
                   "modification_delta")


def stored_properties(values: Mapping[str, Any]) -> dict[str, Any]:
    """What a node will hold: no nulls."""
    return {k: v for k, v in values.items() if v is not None}


def event_properties(event: ChainedEvent) -> dict[str, Any]:
    return {**stored_properties(event.content), "sequence": event.sequence,
            "previous_hash": event.previous_hash, "hash": event.hash}


def _event(properties: Mapping[str, Any]) -> ChainedEvent:
    content = {k: v for k, v in properties.items() if k not in CHAIN_FIELDS}
    return ChainedEvent(int(properties.get("sequence", -1)), content,
                        str(properties.get("previous_hash", "")), str(properties.get("hash", "")))


def _slo(properties: Mapping[str, Any]) -> Row:
    return {k: orjson.loads(v) if k in JSON_SLO_FIELDS and isinstance(v, str) else v
            for k, v in properties.items()}


class GraphSloLedger:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner

    # the audit chain -----------------------------------------------------------------
    def audit_head(self) -> tuple[int, str]:
        rows = self._runner.read("audit/audit_head")
        if not rows:
            rows = self._runner.write("audit/ensure_audit_head", genesis_hash=GENESIS_HASH)
        return int(rows[0]["sequence"]), str(rows[0]["hash"])

    def audit_events(self, after_sequence: int, limit: int) -> list[ChainedEvent]:
        rows = self._runner.read("audit/audit_events", after_sequence=after_sequence,
                                 limit=limit)
        return [_event(row["properties"]) for row in rows]

    def service_audit_events(self, service_id: str, limit: int) -> list[ChainedEvent]:
        rows = self._runner.read("audit/service_audit_events", service_id=service_id,
                                 limit=limit)
        return [_event(row["properties"]) for row in rows]

    def append_audit_event(self, service_id: str, event: ChainedEvent, now_ms: int) -> bool:
        rows = self._runner.write("audit/append_audit_event", service_id=service_id,
                                  previous_hash=event.previous_hash,
                                  event=event_properties(event), now=now_ms)
        return bool(rows)

    # decisions ------------------------------------------------------------------------
    def record_slo_version(self, service_id: str, expected_slo_id: str | None,
                           recommendation_id: str | None, recommendation_status: str,
                           slo: Mapping[str, Any], event: ChainedEvent, now_ms: int) -> bool:
        properties = {k: orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode()
                      if k in JSON_SLO_FIELDS else v for k, v in stored_properties(slo).items()}
        rows = self._runner.write(
            "slos/record_slo_version", service_id=service_id,
            expected_slo_id=expected_slo_id or "", recommendation_id=recommendation_id,
            recommendation_status=recommendation_status, slo=properties,
            previous_hash=event.previous_hash, event=event_properties(event), now=now_ms)
        return bool(rows)

    def record_rejection(self, service_id: str, recommendation_id: str, event: ChainedEvent,
                         now_ms: int) -> bool:
        rows = self._runner.write(
            "slos/record_rejection", service_id=service_id, recommendation_id=recommendation_id,
            previous_hash=event.previous_hash, event=event_properties(event), now=now_ms)
        return bool(rows)

    # reads ------------------------------------------------------------------------------
    def active_slo(self, service_id: str) -> Row | None:
        rows = self._runner.read("slos/active_slo", service_id=service_id)
        return _slo(rows[0]["properties"]) if rows else None

    def slo_versions(self, service_id: str) -> list[Row]:
        rows = self._runner.read("slos/slo_versions", service_id=service_id)
        return [_slo(row["properties"]) for row in rows]

    def all_active_slos(self) -> dict[str, Row]:
        rows = self._runner.read("slos/all_active_slos")
        return {row["service_id"]: _slo(row["properties"]) for row in rows}

    def get_recommendation(self, recommendation_id: str) -> Row | None:
        rows = self._runner.read("recommendations/get_recommendation",
                                 recommendation_id=recommendation_id)
        if not rows:
            return None
        row = rows[0]
        return {**row, "targets": orjson.loads(row["targets"]) if row.get("targets") else {}}

    # fleet aggregates ----------------------------------------------------------------
    def slo_coverage(self) -> list[Row]:
        """Per (team, criticality): services (placeholders excluded) and those with an SLO."""
        return self._runner.read("dashboard/slo_coverage")

    def decision_counts(self) -> list[Row]:
        """Per (team, criticality, action): audit events."""
        return self._runner.read("dashboard/decision_counts")
