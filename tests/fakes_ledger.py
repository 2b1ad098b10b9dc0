"""In-memory fakes of the SloLedger and SliAggregateStore ports over the InMemoryGraph the
GraphStore fake writes (tests/fakes_graph_state.py), each method doing what its Cypher file
does. Decisions are compare-and-set as in the database: nothing is written unless the
chain head, the active SLO and the recommendation's status are what the caller read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import orjson

from slo_engine.adapters.graph.ledger import CHAIN_FIELDS, JSON_SLO_FIELDS
from slo_engine.application.ports import Row
from slo_engine.domain.audit_chain import GENESIS_HASH, ChainedEvent
from slo_engine.domain.sli_aggregates import SliAggregate
from tests.fakes_graph_state import (
    InMemoryGraph,
    Owned,
    Props,
    SloNode,
    assign,
    checked,
    json_text,
    props,
    refuse_repeats,
    refuse_taken,
    storable,
)

AGGREGATE_COLUMNS = ("window", "requests", "availability_ratio", "error_ratio",
                     "request_rate_per_second", "latency_p50_seconds", "latency_p95_seconds",
                     "latency_p99_seconds", "computed_at")


def _event_properties(event: ChainedEvent) -> Props:
    return storable({**event.content, "sequence": event.sequence,
                     "previous_hash": event.previous_hash, "hash": event.hash})


def _event(properties: Mapping[str, Any]) -> ChainedEvent:
    content = {k: v for k, v in props(properties).items() if k not in CHAIN_FIELDS}
    return ChainedEvent(int(properties.get("sequence", -1)), content,
                        str(properties.get("previous_hash", "")),
                        str(properties.get("hash", "")))


def _slo_properties(slo: Mapping[str, Any]) -> Props:
    return storable({k: json_text(v) if k in JSON_SLO_FIELDS and v is not None else v
                     for k, v in slo.items()})


def _slo(properties: Mapping[str, Any]) -> Row:
    return {k: orjson.loads(v) if k in JSON_SLO_FIELDS and isinstance(v, str) else v
            for k, v in props(properties).items()}


def _version_order(node: SloNode) -> tuple[bool, Any]:
    """ORDER BY o.version DESC puts versionless nodes first, as Neo4j sorts nulls."""
    version = node.properties.get("version")
    return version is None, version if version is not None else 0


class InMemorySloLedger:
    """Knows how to keep SLO versions, decisions and the audit chain in an InMemoryGraph."""

    def __init__(self, graph: InMemoryGraph) -> None:
        self._graph = graph

    # the audit chain -----------------------------------------------------------------
    def audit_head(self) -> tuple[int, str]:
        with self._graph.lock:
            if self._graph.audit_head is None:
                self._graph.audit_head = {"chain": "slo", "sequence": 0, "hash": GENESIS_HASH}
            head = self._graph.audit_head
            return int(head["sequence"]), str(head["hash"])

    def audit_events(self, after_sequence: int, limit: int) -> list[ChainedEvent]:
        with self._graph.lock:
            found = [e.properties for e in self._graph.audit_events
                     if e.properties.get("sequence", after_sequence) > after_sequence]
            found.sort(key=lambda p: int(p["sequence"]))
            return [_event(p) for p in found[:limit]]

    def service_audit_events(self, service_id: str, limit: int) -> list[ChainedEvent]:
        """By the events' own service_id property, as the query matches them."""
        with self._graph.lock:
            found = [e.properties for e in self._graph.audit_events
                     if e.properties.get("service_id") == service_id]
            found.sort(key=lambda p: int(p.get("sequence", -1)), reverse=True)
            return [_event(p) for p in found[:limit]]

    def append_audit_event(self, service_id: str, event: ChainedEvent, now_ms: int) -> bool:
        properties = _event_properties(event)
        with self._graph.lock:
            if not self._graph.head_matches(event.previous_hash, now_ms):
                return False  # a lost race (or a chain whose head was never read)
            if service_id not in self._graph.services:
                return False
            self._graph.append_event(service_id, properties)
            return True

    # decisions ------------------------------------------------------------------------
    def record_slo_version(self, service_id: str, expected_slo_id: str | None,
                           recommendation_id: str | None, recommendation_status: str,
                           slo: Mapping[str, Any], event: ChainedEvent, now_ms: int) -> bool:
        new, properties = SloNode(_slo_properties(slo)), _event_properties(event)
        with self._graph.lock:
            if not self._may_record(service_id, expected_slo_id, recommendation_id,
                                    event.previous_hash, now_ms):
                return False
            slo_id = new.properties.get("slo_id")
            refuse_taken("SLO", str(slo_id), slo_id is not None and any(
                o.properties.get("slo_id") == slo_id for o in self._graph.slos))
            self._graph.append_event(service_id, properties)
            new.supersedes = self._graph.active_slos.get(service_id)
            self._graph.slos.append(new)
            self._graph.active_slos[service_id] = new
            recommendation = self._graph.active_recommendation(service_id, recommendation_id)
            if recommendation is not None:
                assign(recommendation, {"status": recommendation_status, "decided_at": now_ms})
            return True

    def _may_record(self, service_id: str, expected_slo_id: str | None,
                    recommendation_id: str | None, previous_hash: str, now_ms: int) -> bool:
        """The head, the active SLO and (when given) the recommendation are as read."""
        if not self._graph.head_matches(previous_hash, now_ms):
            return False
        if service_id not in self._graph.services:
            return False
        active = self._graph.active_slos.get(service_id)
        active_id = active.properties.get("slo_id") if active else None
        if (active_id or "") != (expected_slo_id or ""):  # coalesce(old.slo_id, '')
            return False
        return recommendation_id is None or self._graph.active_recommendation(
            service_id, recommendation_id) is not None

    def record_rejection(self, service_id: str, recommendation_id: str, event: ChainedEvent,
                         now_ms: int) -> bool:
        properties = _event_properties(event)
        with self._graph.lock:
            if not self._graph.head_matches(event.previous_hash, now_ms):
                return False
            recommendation = self._graph.active_recommendation(service_id, recommendation_id)
            if recommendation is None:
                return False
            self._graph.append_event(service_id, properties)
            assign(recommendation, {"status": "rejected", "decided_at": now_ms})
            return True

    # reads ------------------------------------------------------------------------------
    def active_slo(self, service_id: str) -> Row | None:
        with self._graph.lock:
            active = self._graph.active_slos.get(service_id)
            return _slo(active.properties) if active else None

    def slo_versions(self, service_id: str) -> list[Row]:
        """By the versions' own service_id property, as the query matches them."""
        with self._graph.lock:
            versions = [o for o in self._graph.slos
                        if o.properties.get("service_id") == service_id]
            versions.sort(key=_version_order, reverse=True)
            return [_slo(o.properties) for o in versions]

    def all_active_slos(self) -> dict[str, Row]:
        with self._graph.lock:
            return {service_id: _slo(o.properties)
                    for service_id, o in self._graph.active_slos.items()}

    def get_recommendation(self, recommendation_id: str) -> Row | None:
        with self._graph.lock:
            owned = self._graph.recommendations.get(recommendation_id)
            if owned is None:
                return None
            r = owned.properties
            return {"service_id": owned.service_id, "recommendation_id": recommendation_id,
                    "status": r.get("status"), "sli_type": r.get("sli_type"),
                    "period_days": r.get("period_days") or 30,
                    "generated_at": r.get("generated_at"), "expires_at": r.get("expires_at"),
                    "targets": orjson.loads(r["targets"]) if r.get("targets") else {}}

    # fleet aggregates ----------------------------------------------------------------
    def slo_coverage(self) -> list[Row]:
        """Per (team, criticality): services (placeholders excluded) and those with an SLO."""
        services: Counter[tuple[Any, Any]] = Counter()
        with_slo: Counter[tuple[Any, Any]] = Counter()
        with self._graph.lock:
            for service_id, node in self._graph.services.items():
                if node.get("discovered", False) is False:
                    key = (node.get("team"), node.get("criticality"))
                    services[key] += 1
                    with_slo[key] += service_id in self._graph.active_slos
        return [{"team": team, "criticality": criticality, "services": count,
                 "with_slo": with_slo[(team, criticality)]}
                for (team, criticality), count in services.items()]

    def decision_counts(self) -> list[Row]:
        """Per (team, criticality, action): audit events."""
        with self._graph.lock:
            counts = Counter(
                (service.get("team"), service.get("criticality"), e.properties.get("action"))
                for e in self._graph.audit_events
                if (service := self._graph.services.get(e.about)) is not None)
        return [{"team": team, "criticality": criticality, "action": action, "events": n}
                for (team, criticality, action), n in counts.items()]


class InMemorySliAggregates:
    """Knows how to keep SLI aggregates and recommendation baselines in an InMemoryGraph."""

    def __init__(self, graph: InMemoryGraph) -> None:
        self._graph = graph

    def store_aggregates(self, aggregates: list[SliAggregate], now_ms: int) -> int:
        rows = [checked({**a.as_record(), "computed_at": now_ms}) for a in aggregates]
        refuse_repeats("aggregate", [(a.service_id, a.window) for a in aggregates])
        with self._graph.lock:
            return sum(self._store_aggregate(row) for row in rows)

    def _store_aggregate(self, row: Props) -> bool:
        service_id = row["service_id"]
        if service_id not in self._graph.services:
            return False
        key = f"{service_id}|{row['window']}"
        owned = self._graph.aggregates.setdefault(key, Owned(service_id,
                                                             {"aggregate_key": key}))
        assign(owned.properties, row)
        return True

    def service_aggregates(self, service_id: str) -> list[Row]:
        with self._graph.lock:
            return [props({name: a.properties.get(name) for name in AGGREGATE_COLUMNS})
                    for a in self._graph.aggregates.values() if a.service_id == service_id]

    def active_recommendation_baselines(self) -> list[Row]:
        with self._graph.lock:
            return [{"recommendation_id": r.properties.get("recommendation_id"),
                     "service_id": r.service_id,
                     "lookback_days": r.properties.get("lookback_days"),
                     "baseline": _baseline(r.properties.get("input_baseline"))}
                    for r in self._graph.recommendations.values() if _unjudged(r.properties)]

    def set_recommendation_baselines(self, baselines: Mapping[str, Mapping[str, Any]]) -> None:
        texts = {rid: orjson.dumps(dict(b)).decode() for rid, b in baselines.items()}
        with self._graph.lock:
            for recommendation_id, text in texts.items():
                owned = self._graph.recommendations.get(recommendation_id)
                if owned is not None:
                    assign(owned.properties, {"input_baseline": text})

    def mark_recommendations_stale(self, reasons: Mapping[str, str], now_ms: int
                                   ) -> list[str]:
        """The services (from `reasons`: service -> why) that had an active one to mark."""
        checked(dict(reasons))
        marked: set[str] = set()
        with self._graph.lock:
            for service_id, reason in reasons.items():
                for r in self._graph.recommendations_of(service_id):
                    if _unjudged(r):
                        assign(r, {"stale_since": now_ms, "stale_reason": reason})
                        marked.add(service_id)
        return sorted(marked)


def _unjudged(recommendation: Props) -> bool:
    """Active and not yet marked stale."""
    return recommendation.get("status") == "active" and "stale_since" not in recommendation


def _baseline(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)
