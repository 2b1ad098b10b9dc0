"""FR-1: accept a dependency-graph submission, then merge it into the stored graph."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from slo_engine.application.detect_cycles import detect_cycles
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.ports import Clock, GraphStore, GraphWriteLock
from slo_engine.domain.errors import IngestionNotFound
from slo_engine.domain.ingestion import (
    GraphSubmission,
    IngestionLimits,
    merge_submission,
    validate_submission,
)

log = logging.getLogger(__name__)

MAX_LISTED = 100


@dataclass(frozen=True)
class IngestionPolicy:
    limits: IngestionLimits
    staleness_window_ms: int
    compact_after_edges: int


class IngestDependencyGraph:
    def __init__(
        self, graph: GraphStore, lock: GraphWriteLock, clock: Clock, policy: IngestionPolicy,
        snapshots: SnapshotHolder,
    ) -> None:
        self._graph = graph
        self._snapshots = snapshots
        self._lock = lock
        self._clock = clock
        self._policy = policy

    def accept(self, submission: GraphSubmission) -> str:
        """Validate completely, then record the ingestion; raises InvalidInput before any write."""
        validate_submission(submission, self._policy.limits)
        ingestion_id = str(uuid.uuid4())
        self._graph.create_ingestion(ingestion_id, submission.source.value,
                                     len(submission.services), len(submission.edges),
                                     self._clock.now_ms())
        return ingestion_id

    def process(self, ingestion_id: str, submission: GraphSubmission) -> dict[str, Any]:
        """Merge an accepted submission and record its outcome (a failure too, then raise it)."""
        try:
            result = self._merge(ingestion_id, submission)
        except Exception as error:
            log.exception("ingestion %s failed", ingestion_id)
            self._graph.finish_ingestion(ingestion_id, "failed", {"error": str(error)},
                                         self._clock.now_ms())
            raise
        self._graph.finish_ingestion(ingestion_id, "completed", result, self._clock.now_ms())
        # After the status: a caller polling for completion need not wait for this process's
        # reads to catch up (other replicas catch up on their next read anyway).
        self._snapshots.refresh()
        return result

    def _merge(self, ingestion_id: str, submission: GraphSubmission) -> dict[str, Any]:
        started = time.perf_counter()
        with self._lock.hold():
            now = self._clock.now_ms()
            window = self._policy.staleness_window_ms
            discovered = self._create_placeholders(submission, now)
            upserted = self._graph.upsert_services(submission.services, submission.source.rank, now)
            stored = self._graph.edge_provenance([e.pair for e in submission.edges])
            merged = merge_submission(submission, stored, now, window)
            self._graph.upsert_dependencies(merged.edges, now)
            stale = self._graph.mark_stale_dependencies(now - window, now)
            version = self._graph.bump_graph_version(now)
            written = time.perf_counter()
            cycles = detect_cycles(self._graph, ingestion_id, now)
        if len(submission.edges) >= self._policy.compact_after_edges:
            self._graph.compact()
        return {
            "nodes_upserted": upserted,
            "edges_upserted": len(merged.edges),
            "services_discovered": discovered[:MAX_LISTED],
            "services_discovered_count": len(discovered),
            "conflicts": [c.as_dict() for c in merged.conflicts[:MAX_LISTED]],
            "conflicts_count": len(merged.conflicts),
            "edges_marked_stale": stale,
            "edges_stale_on_arrival": sum(1 for e in merged.edges if e.is_stale),
            "graph_version": version,
            "cycles": cycles.as_dict(),
            "timings": {
                "write_s": round(written - started, 4),
                "scc_s": round(cycles.scc_seconds, 4),
                **{k: round(v, 4) for k, v in cycles.timings.items()},
            },
        }

    def _create_placeholders(self, submission: GraphSubmission, now_ms: int) -> list[str]:
        undeclared = sorted(submission.undeclared_ids())
        known = self._graph.existing_service_ids(undeclared)
        discovered = [service_id for service_id in undeclared if service_id not in known]
        self._graph.create_placeholder_services(discovered, now_ms)
        return discovered

    def status(self, ingestion_id: str) -> dict[str, Any]:
        record = self._graph.get_ingestion(ingestion_id)
        if record is None:
            raise IngestionNotFound(ingestion_id)
        return record
