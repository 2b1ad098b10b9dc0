"""An in-memory fake of the GraphStore port over an InMemoryGraph (tests/fakes_graph_state.py),
each method doing what its Cypher file (backend/slo_engine/cypher/) does: the same rows
under the same column names, in the same order where the query orders them. It passes the
GraphStore contract suite, so use-case tests on it stay honest."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slo_engine.adapters.graph.repository import (
    PLACEHOLDER_RANK,
    provenance_from_json,
    provenance_to_json,
)
from slo_engine.application.ports import RecommendationWindow, Row, StoredProvenance
from slo_engine.domain.cycles import Cycle
from slo_engine.domain.ingestion import service_properties
from slo_engine.domain.model import DiscoverySource, ResolvedEdge, ServiceRecord
from tests.fakes_graph_state import (
    InMemoryGraph,
    Owned,
    Props,
    assign,
    checked,
    json_or_empty,
    json_text,
    props,
    refuse_repeats,
    refuse_taken,
    storable,
)

LISTED_COLUMNS = ("service_id", "team", "criticality", "tier", "service_type", "discovered",
                  "metadata", "created_at", "updated_at")
SNAPSHOT_COLUMNS = ("service_id", "team", "criticality", "service_type", "discovered",
                    "sli_queries", "approved_sli")
EDGE_COLUMNS = ("communication_mode", "criticality", "protocol", "timeout_ms",
                "redundancy_group", "sources", "confidence_score", "last_observed_at",
                "is_stale")
ALERT_COLUMNS = ("cycle_id", "cycle_path", "members", "status", "detected_at", "last_seen_at",
                 "updated_at", "acknowledged_by", "resolution_notes")
INGESTION_COLUMNS = ("ingestion_id", "source", "status", "nodes_received", "edges_received",
                     "received_at", "completed_at")
LATEST_COLUMNS = ("recommendation_id", "status", "generated_at", "expires_at",
                  "graph_version")
VANISHED_NOTE = "No longer detected in the dependency graph."


def columns(node: Mapping[str, Any], names: tuple[str, ...]) -> Row:
    """A RETURN of these properties: absent ones read as null."""
    return props({name: node.get(name) for name in names})


def coalesce(value: Any, default: Any) -> Any:
    return default if value is None else value


def period_of(recommendation: Props) -> Any:
    """coalesce(r.period_days, 30): those stored before periods were kept are 30-day ones."""
    return recommendation.get("period_days", 30)


def in_window(recommendation: Props, window: RecommendationWindow) -> bool:
    return (recommendation.get("sli_type") == window.sli_type
            and recommendation.get("lookback_days") == window.lookback_days
            and period_of(recommendation) == window.period_days)


def _edge_properties(edge: ResolvedEdge) -> Props:
    """What upsert_dependencies SETs on an edge (the adapter's row for it)."""
    attributes = edge.attributes
    retry = attributes.get("retry_config")
    return {
        "communication_mode": attributes.get("communication_mode"),
        "criticality": attributes.get("criticality"),
        "protocol": attributes.get("protocol"),
        "timeout_ms": attributes.get("timeout_ms"),
        "retry_config": json_text(retry) if retry is not None else None,
        "redundancy_group": attributes.get("redundancy_group"),
        "sources": edge.sources,
        "confidence_score": edge.confidence_ratio,
        "last_observed_at": edge.last_observed_at_ms,
        "is_stale": edge.is_stale,
        "provenance": provenance_to_json(edge.provenance),
        "metadata": json_text(edge.metadata) if edge.metadata else None,
    }


class InMemoryGraphStore:
    """Knows how to read and write the service dependency graph held in an InMemoryGraph."""

    backend = "memory"

    def __init__(self, graph: InMemoryGraph) -> None:
        self._graph = graph

    def ping(self) -> None:
        """Always answers: there is no server to lose."""

    def apply_schema(self) -> None:
        """The unique keys are enforced by the graph state itself."""

    def compact(self) -> None:
        """Nothing is written to disk."""

    # services ------------------------------------------------------------------------
    def upsert_services(self, services: list[ServiceRecord], rank: int, now_ms: int) -> int:
        rows = [checked({**service_properties(s), "metadata": json_text(s.metadata),
                         "discovered": False, "metadata_rank": rank, "updated_at": now_ms})
                for s in services]  # all refused before anything is written, as in one query
        refuse_repeats("service", [s.service_id for s in services])
        with self._graph.lock:
            return sum(self._upsert_service(row, now_ms) for row in rows)

    def _upsert_service(self, row: Props, now_ms: int) -> bool:
        rank = row["metadata_rank"]
        node = self._graph.services.setdefault(row["service_id"], {
            "service_id": row["service_id"], "created_at": now_ms, "metadata_rank": rank,
            "discovered": False})
        if node["metadata_rank"] < rank:  # a less trusted source
            return False
        assign(node, row)
        return True

    def existing_service_ids(self, service_ids: list[str]) -> set[str]:
        with self._graph.lock:
            return {s for s in service_ids if s in self._graph.services}

    def create_placeholder_services(self, service_ids: list[str], now_ms: int) -> int:
        """Like the query, counts every id given (count(s) after MERGE), created or not."""
        with self._graph.lock:
            for service_id in service_ids:
                self._graph.services.setdefault(service_id, storable({
                    "service_id": service_id, "discovered": True, "service_type": "internal",
                    "metadata": "{}", "metadata_rank": PLACEHOLDER_RANK, "created_at": now_ms,
                    "updated_at": now_ms}))
            return len(service_ids)

    def list_services(self, after: str, limit: int, filters: Mapping[str, Any]) -> list[Row]:
        wanted = {k: filters.get(k) for k in ("team", "criticality", "discovered")}
        with self._graph.lock:
            page = [self._listed(node) for service_id, node in
                    sorted(self._graph.services.items()) if service_id > after
                    and all(v is None or node.get(k) == v for k, v in wanted.items())]
        return page[:limit]

    @staticmethod
    def _listed(node: Props) -> Row:
        row = columns(node, LISTED_COLUMNS)
        return {**row, "metadata": json_or_empty(row["metadata"])}

    def get_service(self, service_id: str) -> Row | None:
        with self._graph.lock:
            node = self._graph.services.get(service_id)
            if node is None:
                return None
            return {**self._listed(node),
                    "downstream_count": sum(a == service_id for a, _ in self._graph.edges),
                    "upstream_count": sum(b == service_id for _, b in self._graph.edges),
                    "scc_id": self._supernode_of(service_id)}

    def _supernode_of(self, service_id: str) -> str | None:
        return next((scc_id for scc_id, members in self._graph.contains.items()
                     if service_id in members), None)

    # dependencies --------------------------------------------------------------------
    def edge_provenance(self, pairs: list[tuple[str, str]]) -> StoredProvenance:
        return {pair: provenance_from_json(text)
                for pair, text in self._edge_texts(pairs, "provenance").items()}

    def edge_metadata(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Row]:
        return {pair: json.loads(text)
                for pair, text in self._edge_texts(pairs, "metadata").items()}

    def _edge_texts(self, pairs: list[tuple[str, str]], key: str) -> dict[tuple[str, str], str]:
        """One stored JSON property of those given edges that hold it."""
        with self._graph.lock:
            found = {pair: self._graph.edges[pair].get(key) for pair in pairs
                     if pair in self._graph.edges}
        return {pair: text for pair, text in found.items() if text}

    def shared_edge_provenance(self, pairs: list[tuple[str, str]], only_source: DiscoverySource
                               ) -> StoredProvenance:
        with self._graph.lock:
            shared = [pair for pair in pairs if pair in self._graph.edges
                      and coalesce(self._graph.edges[pair].get("sources"), [])
                      != [only_source.value]]
        return self.edge_provenance(shared)

    def upsert_dependencies(self, edges: list[ResolvedEdge], now_ms: int) -> int:
        rows = [((e.source, e.target), checked({**_edge_properties(e), "updated_at": now_ms}))
                for e in edges]
        refuse_repeats("edge", [pair for pair, _ in rows])
        with self._graph.lock:
            return sum(self._upsert_edge(pair, row, now_ms) for pair, row in rows)

    def _upsert_edge(self, pair: tuple[str, str], row: Props, now_ms: int) -> bool:
        if not all(service_id in self._graph.services for service_id in pair):
            return False  # MATCH found no service: nothing written
        assign(self._graph.edges.setdefault(pair, {"created_at": now_ms}), row)
        return True

    def mark_stale_dependencies(self, cutoff_ms: int, now_ms: int) -> int:
        with self._graph.lock:
            due = [e for e in self._graph.edges.values() if e.get("is_stale") is False
                   and e.get("last_observed_at") is not None
                   and e["last_observed_at"] < cutoff_ms]
            for stored in due:
                assign(stored, {"is_stale": True, "updated_at": now_ms})
            return len(due)

    def dependency_pairs(self) -> dict[str, list[str]]:
        pairs: dict[str, list[str]] = {}
        with self._graph.lock:
            for (source, target), stored in self._graph.edges.items():
                if stored.get("is_stale") is False:
                    pairs.setdefault(source, []).append(target)
        return pairs

    def all_services(self) -> list[Row]:
        with self._graph.lock:
            return [columns(node, SNAPSHOT_COLUMNS) for node in self._graph.services.values()]

    def all_dependencies(self) -> list[Row]:
        with self._graph.lock:
            return [{"source": a, "target": b, **columns(stored, EDGE_COLUMNS)}
                    for (a, b), stored in self._graph.edges.items()]

    # graph version -------------------------------------------------------------------
    def bump_graph_version(self, now_ms: int) -> int:
        with self._graph.lock:
            state = self._graph.graph_state or {"name": "dependencies", "version": 0}
            assign(state, {"version": state["version"] + 1, "updated_at": now_ms})
            self._graph.graph_state = state
            return int(state["version"])

    def graph_version(self) -> int:
        with self._graph.lock:
            state = self._graph.graph_state
            return int(state["version"]) if state else 0

    # cycles --------------------------------------------------------------------------
    def replace_supernodes(self, cycles: list[Cycle], now_ms: int) -> None:
        kept = {c.cycle_id for c in cycles}
        with self._graph.lock:
            for scc_id in [s for s in self._graph.supernodes if s not in kept]:
                del self._graph.supernodes[scc_id]
                self._graph.contains.pop(scc_id, None)
            for cycle in cycles:
                self._upsert_supernode(cycle, now_ms)

    def _upsert_supernode(self, cycle: Cycle, now_ms: int) -> None:
        node = self._graph.supernodes.setdefault(
            cycle.cycle_id, {"scc_id": cycle.cycle_id, "created_at": now_ms})
        assign(node, {"members": list(cycle.members), "size": len(cycle.members)})
        contained = self._graph.contains.setdefault(cycle.cycle_id, [])
        contained.extend(m for m in dict.fromkeys(cycle.members)
                         if m in self._graph.services and m not in contained)

    def upsert_cycle_alerts(
        self, cycles: list[Cycle], ingestion_id: str, now_ms: int
    ) -> set[str]:
        with self._graph.lock:
            return {c.cycle_id for c in cycles if self._upsert_alert(c, ingestion_id, now_ms)}

    def _upsert_alert(self, cycle: Cycle, ingestion_id: str, now_ms: int) -> bool:
        """Whether the alert was first detected by this ingestion."""
        alert = self._graph.cycle_alerts.setdefault(cycle.cycle_id, storable({
            "cycle_id": cycle.cycle_id, "cycle_path": list(cycle.path),
            "members": list(cycle.members), "status": "open", "detected_at": now_ms,
            "detected_by_ingestion": ingestion_id}))
        reopened = "open" if alert.get("status") == "resolved" else alert.get("status")
        assign(alert, {"last_seen_at": now_ms, "status": reopened})
        return bool(alert.get("detected_by_ingestion") == ingestion_id)

    def resolve_vanished_cycle_alerts(self, cycle_ids: list[str], now_ms: int) -> list[str]:
        with self._graph.lock:
            vanished = [a for a in self._graph.cycle_alerts.values()
                        if a.get("status") not in (None, "resolved")
                        and a["cycle_id"] not in cycle_ids]
            for alert in vanished:
                assign(alert, {"status": "resolved", "updated_at": now_ms,
                               "resolution_notes": VANISHED_NOTE})
            return [a["cycle_id"] for a in vanished]

    def list_cycle_alerts(self, status: str | None) -> list[Row]:
        with self._graph.lock:
            rows = [columns(a, ALERT_COLUMNS) for a in self._graph.cycle_alerts.values()
                    if status is None or a.get("status") == status]
        return sorted(rows, key=lambda r: (-r["detected_at"], r["cycle_id"]))

    def get_cycle_alert(self, cycle_id: str) -> Row | None:
        with self._graph.lock:
            alert = self._graph.cycle_alerts.get(cycle_id)
            return columns(alert, ALERT_COLUMNS) if alert else None

    def update_cycle_alert(
        self, cycle_id: str, status: str, acknowledged_by: str | None,
        resolution_notes: str | None, now_ms: int,
    ) -> bool:
        with self._graph.lock:
            alert = self._graph.cycle_alerts.get(cycle_id)
            if alert is None:
                return False
            assign(alert, {
                "status": status, "updated_at": now_ms,
                "acknowledged_by": coalesce(acknowledged_by, alert.get("acknowledged_by")),
                "resolution_notes": coalesce(resolution_notes, alert.get("resolution_notes"))})
            return True

    # ingestions ----------------------------------------------------------------------
    def create_ingestion(
        self, ingestion_id: str, source: str, nodes: int, edges: int, now_ms: int
    ) -> None:
        with self._graph.lock:
            refuse_taken("Ingestion", ingestion_id, ingestion_id in self._graph.ingestions)
            self._graph.ingestions[ingestion_id] = storable({
                "ingestion_id": ingestion_id, "source": source, "status": "processing",
                "nodes_received": nodes, "edges_received": edges, "received_at": now_ms,
                "updated_at": now_ms})

    def finish_ingestion(
        self, ingestion_id: str, status: str, result: Mapping[str, Any], now_ms: int
    ) -> None:
        values = {"status": status, "result": json_text(result), "completed_at": now_ms,
                  "updated_at": now_ms}
        with self._graph.lock:
            record = self._graph.ingestions.get(ingestion_id)
            if record is not None:
                assign(record, values)

    def get_ingestion(self, ingestion_id: str) -> Row | None:
        with self._graph.lock:
            record = self._graph.ingestions.get(ingestion_id)
            if record is None:
                return None
            return {**columns(record, INGESTION_COLUMNS),
                    "result": json_or_empty(record.get("result"))}

    # recommendations -------------------------------------------------------------------
    def store_recommendation(
        self, service_id: str, recommendation_id: str, window: RecommendationWindow,
        graph_version: int, body: Mapping[str, Any], targets: Mapping[str, Any], now_ms: int,
        expires_at_ms: int,
    ) -> bool:
        new = storable({
            "recommendation_id": recommendation_id, "status": "active",
            "sli_type": window.sli_type, "lookback_days": window.lookback_days,
            "period_days": window.period_days, "graph_version": graph_version,
            "body": json_text(body), "targets": json_text(targets), "generated_at": now_ms,
            "expires_at": expires_at_ms})
        with self._graph.lock:
            if service_id not in self._graph.services:
                return False
            refuse_taken("Recommendation", recommendation_id,
                         recommendation_id in self._graph.recommendations)
            for old in self._graph.recommendations_of(service_id):
                if old.get("status") == "active" and in_window(old, window):
                    assign(old, {"status": "superseded", "superseded_at": now_ms})
            self._graph.recommendations[recommendation_id] = Owned(service_id, new)
            return True

    def latest_recommendation(self, service_id: str, window: RecommendationWindow
                              ) -> Row | None:
        with self._graph.lock:
            candidates = [r for r in self._graph.recommendations_of(service_id)
                          if in_window(r, window)
                          and r.get("status") not in (None, "superseded")]
            if not candidates:
                return None
            latest = max(candidates, key=lambda r: r["generated_at"])
            return {**columns(latest, LATEST_COLUMNS), "body": json_or_empty(latest.get("body"))}
