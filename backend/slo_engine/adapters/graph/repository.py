"""The GraphStore port over any CypherRunner: named queries in, rows and domain values out.

Methods are named like the query files they run. Maps are not valid property values on
either backend, so metadata and provenance are stored as JSON text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import orjson

from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import RecommendationWindow, Row, StoredProvenance
from slo_engine.domain.cycles import Cycle
from slo_engine.domain.ingestion import service_properties
from slo_engine.domain.model import DiscoverySource, Observation, ResolvedEdge, ServiceRecord

# One UNWIND per batch keeps each statement's parameter payload around a megabyte.
WRITE_BATCH = 5_000
READ_BATCH = 10_000
PLACEHOLDER_RANK = 99

T = TypeVar("T")  # a decoded JSON column

REQUIRED_QUERIES = [
    "health/ping",
    "services/upsert_services", "services/existing_service_ids",
    "services/create_placeholder_services", "services/list_services", "services/get_service",
    "dependencies/edge_provenance", "dependencies/shared_edge_provenance",
    "dependencies/edge_metadata",
    "dependencies/upsert_dependencies",
    "dependencies/mark_stale_dependencies", "dependencies/dependency_pairs",
    "dependencies/all_dependencies", "services/all_services",
    "graph/bump_graph_version", "graph/graph_version",
    "recommendations/store_recommendation", "recommendations/latest_recommendation",
    "cycles/delete_obsolete_supernodes", "cycles/upsert_supernodes",
    "cycles/upsert_cycle_alerts", "cycles/resolve_vanished_cycle_alerts",
    "cycles/list_cycle_alerts", "cycles/get_cycle_alert", "cycles/update_cycle_alert",
    "ingestions/create_ingestion", "ingestions/finish_ingestion", "ingestions/get_ingestion",
]


def batched(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def grouped_by_source(
    items: Iterable[tuple[str, Any]], item_key: str, size: int,
    convert: Callable[[Any], Any] | None = None,
) -> Iterator[list[Row]]:
    """(source, item) pairs -> batches of [{source, <item_key>: [item...]}], ~`size` items each.

    `convert` runs as each batch is yielded, so a consumer can overlap it with other work.
    """
    groups: dict[str, list[Any]] = {}
    for source, item in items:
        groups.setdefault(source, []).append(item)
    batch: list[Row] = []
    held = 0
    for source, members in groups.items():
        batch.append({"source": source,
                      item_key: [convert(m) for m in members] if convert else members})
        held += len(members)
        if held >= size:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _json_text(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _json_or_empty(text: str | None) -> Any:
    return orjson.loads(text) if text else {}


def _service_row(row: Row) -> Row:
    return {**row, "metadata": _json_or_empty(row.get("metadata"))}


def provenance_to_json(provenance: Mapping[DiscoverySource, Observation]) -> str:
    return _json_text({
        source.value: {
            "attributes": o.attributes,
            "observed_at": o.observed_at_ms,
            "confidence": o.confidence_ratio,
        }
        for source, o in provenance.items()
    })


def provenance_from_json(text: str) -> dict[DiscoverySource, Observation]:
    return {
        DiscoverySource(source): Observation(o["attributes"], o["observed_at"], o["confidence"])
        for source, o in orjson.loads(text).items()
    }


def _edge_row(edge: ResolvedEdge) -> Row:
    attributes = edge.attributes
    retry = attributes.get("retry_config")
    return {
        "target": edge.target,
        "communication_mode": attributes.get("communication_mode"),
        "criticality": attributes.get("criticality"),
        "protocol": attributes.get("protocol"),
        "timeout_ms": attributes.get("timeout_ms"),
        "retry_config": _json_text(retry) if retry is not None else None,
        "redundancy_group": attributes.get("redundancy_group"),
        "sources": edge.sources,
        "confidence_score": edge.confidence_ratio,
        "last_observed_at": edge.last_observed_at_ms,
        "is_stale": edge.is_stale,
        "provenance": provenance_to_json(edge.provenance),
        "metadata": _json_text(edge.metadata) if edge.metadata else None,
    }


class GraphRepository:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner
        self.backend = runner.backend

    def ping(self) -> None:
        self._runner.read("health/ping")

    def apply_schema(self) -> None:
        self._runner.apply_schema()

    def compact(self) -> None:
        self._runner.compact()

    def close(self) -> None:
        self._runner.close()

    # services ------------------------------------------------------------------------
    def upsert_services(self, services: list[ServiceRecord], rank: int, now_ms: int) -> int:
        rows = [
            {**service_properties(s), "metadata": _json_text(s.metadata)}
            for s in services
        ]
        return sum(
            self._runner.write("services/upsert_services", rows=batch, rank=rank, now=now_ms)[0][
                "upserted"
            ]
            for batch in batched(rows, WRITE_BATCH)
        )

    def existing_service_ids(self, service_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for batch in batched(service_ids, READ_BATCH):
            rows = self._runner.read("services/existing_service_ids", service_ids=batch)
            found.update(row["service_id"] for row in rows)
        return found

    def create_placeholder_services(self, service_ids: list[str], now_ms: int) -> int:
        return sum(
            self._runner.write("services/create_placeholder_services", service_ids=batch,
                               rank=PLACEHOLDER_RANK, now=now_ms)[0]["created"]
            for batch in batched(service_ids, WRITE_BATCH)
        )

    def list_services(self, after: str, limit: int, filters: Mapping[str, Any]) -> list[Row]:
        rows = self._runner.read(
            "services/list_services", after=after, limit=limit,
            team=filters.get("team"), criticality=filters.get("criticality"),
            discovered=filters.get("discovered"),
        )
        return [_service_row(row) for row in rows]

    def get_service(self, service_id: str) -> Row | None:
        rows = self._runner.read("services/get_service", service_id=service_id)
        return _service_row(rows[0]) if rows else None

    # dependencies --------------------------------------------------------------------
    def edge_provenance(self, pairs: list[tuple[str, str]]) -> StoredProvenance:
        return self._provenance("dependencies/edge_provenance", pairs)

    def shared_edge_provenance(self, pairs: list[tuple[str, str]], only_source: DiscoverySource
                               ) -> StoredProvenance:
        return self._provenance("dependencies/shared_edge_provenance", pairs,
                                only_source=only_source.value)

    def edge_metadata(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Row]:
        return self._edge_json("dependencies/edge_metadata", "metadata", orjson.loads, pairs)

    def _provenance(self, query: str, pairs: list[tuple[str, str]], **params: Any
                    ) -> StoredProvenance:
        return self._edge_json(query, "provenance", provenance_from_json, pairs, **params)

    def _edge_json(self, query: str, column: str, decode: Callable[[str], T],
                   pairs: list[tuple[str, str]], **params: Any) -> dict[tuple[str, str], T]:
        """One JSON column of the given edges, decoded, for those that hold any; the
        pairs are looked up grouped by caller, in batches."""
        stored: dict[tuple[str, str], T] = {}
        for batch in grouped_by_source(pairs, "targets", READ_BATCH):
            for row in self._runner.read(query, groups=batch, **params):
                if row[column]:
                    stored[(row["source"], row["target"])] = decode(row[column])
        return stored

    def upsert_dependencies(self, edges: list[ResolvedEdge], now_ms: int) -> int:
        # Rows are built batch by batch, so the runner can overlap building with writing.
        batches = grouped_by_source(((e.source, e) for e in edges), "edges", WRITE_BATCH,
                                    _edge_row)
        results = self._runner.write_many("dependencies/upsert_dependencies",
                                          ({"groups": batch, "now": now_ms} for batch in batches))
        return sum(rows[0]["upserted"] for rows in results)

    def mark_stale_dependencies(self, cutoff_ms: int, now_ms: int) -> int:
        rows = self._runner.write("dependencies/mark_stale_dependencies", cutoff=cutoff_ms,
                                  now=now_ms)
        return int(rows[0]["marked"])

    def dependency_pairs(self) -> dict[str, list[str]]:
        rows = self._runner.read("dependencies/dependency_pairs")
        return {row["source"]: row["targets"] for row in rows}

    def all_services(self) -> list[Row]:
        return self._runner.read("services/all_services")

    def all_dependencies(self) -> list[Row]:
        return self._runner.read("dependencies/all_dependencies")

    # graph version -------------------------------------------------------------------
    def bump_graph_version(self, now_ms: int) -> int:
        return int(self._runner.write("graph/bump_graph_version", now=now_ms)[0]["version"])

    def graph_version(self) -> int:
        rows = self._runner.read("graph/graph_version")
        return int(rows[0]["version"]) if rows else 0

    # cycles --------------------------------------------------------------------------
    def replace_supernodes(self, cycles: list[Cycle], now_ms: int) -> None:
        ids = [c.cycle_id for c in cycles]
        self._runner.write("cycles/delete_obsolete_supernodes", scc_ids=ids)
        rows = [{"scc_id": c.cycle_id, "members": list(c.members)} for c in cycles]
        for batch in batched(rows, WRITE_BATCH):
            self._runner.write("cycles/upsert_supernodes", rows=batch, now=now_ms)

    def upsert_cycle_alerts(
        self, cycles: list[Cycle], ingestion_id: str, now_ms: int
    ) -> set[str]:
        rows = [
            {"cycle_id": c.cycle_id, "cycle_path": list(c.path), "members": list(c.members)}
            for c in cycles
        ]
        created: set[str] = set()
        for batch in batched(rows, WRITE_BATCH):
            result = self._runner.write("cycles/upsert_cycle_alerts", rows=batch,
                                        ingestion_id=ingestion_id, now=now_ms)
            created.update(row["cycle_id"] for row in result if row["is_new"])
        return created

    def resolve_vanished_cycle_alerts(self, cycle_ids: list[str], now_ms: int) -> list[str]:
        rows = self._runner.write("cycles/resolve_vanished_cycle_alerts", cycle_ids=cycle_ids,
                                  now=now_ms)
        return [row["cycle_id"] for row in rows]

    def list_cycle_alerts(self, status: str | None) -> list[Row]:
        return self._runner.read("cycles/list_cycle_alerts", status=status)

    def get_cycle_alert(self, cycle_id: str) -> Row | None:
        rows = self._runner.read("cycles/get_cycle_alert", cycle_id=cycle_id)
        return rows[0] if rows else None

    def update_cycle_alert(
        self, cycle_id: str, status: str, acknowledged_by: str | None,
        resolution_notes: str | None, now_ms: int,
    ) -> bool:
        rows = self._runner.write(
            "cycles/update_cycle_alert", cycle_id=cycle_id, status=status,
            acknowledged_by=acknowledged_by, resolution_notes=resolution_notes, now=now_ms,
        )
        return bool(rows)

    # ingestions ----------------------------------------------------------------------
    def create_ingestion(
        self, ingestion_id: str, source: str, nodes: int, edges: int, now_ms: int
    ) -> None:
        self._runner.write("ingestions/create_ingestion", ingestion_id=ingestion_id,
                           source=source, nodes_received=nodes, edges_received=edges, now=now_ms)

    def finish_ingestion(
        self, ingestion_id: str, status: str, result: Mapping[str, Any], now_ms: int
    ) -> None:
        self._runner.write("ingestions/finish_ingestion", ingestion_id=ingestion_id,
                           status=status, result=_json_text(result), now=now_ms)

    def get_ingestion(self, ingestion_id: str) -> Row | None:
        rows = self._runner.read("ingestions/get_ingestion", ingestion_id=ingestion_id)
        if not rows:
            return None
        return {**rows[0], "result": _json_or_empty(rows[0]["result"])}

    # recommendations -------------------------------------------------------------------
    def store_recommendation(
        self, service_id: str, recommendation_id: str, window: RecommendationWindow,
        graph_version: int, body: Mapping[str, Any], targets: Mapping[str, Any], now_ms: int,
        expires_at_ms: int,
    ) -> bool:
        rows = self._runner.write(
            "recommendations/store_recommendation", service_id=service_id,
            recommendation_id=recommendation_id, sli_type=window.sli_type,
            lookback_days=window.lookback_days, period_days=window.period_days,
            graph_version=graph_version, body=_json_text(body), targets=_json_text(targets),
            now=now_ms, expires_at=expires_at_ms)
        return bool(rows)

    def latest_recommendation(self, service_id: str, window: RecommendationWindow
                              ) -> Row | None:
        rows = self._runner.read("recommendations/latest_recommendation",
                                 service_id=service_id, sli_type=window.sli_type,
                                 lookback_days=window.lookback_days,
                                 period_days=window.period_days)
        if not rows:
            return None
        return {**rows[0], "body": _json_or_empty(rows[0]["body"])}
