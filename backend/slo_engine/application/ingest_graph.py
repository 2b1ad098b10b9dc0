"""FR-1: accept a dependency-graph submission, merge it into the stored graph, then hand
the analysis (staleness, cycles) to a background job."""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from slo_engine.application.analyse_graph import AnalyseGraph
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.jobs import JobKind
from slo_engine.application.ports import Clock, GraphStore, GraphWriteLock, JobQueue
from slo_engine.domain.divergence import ingestion_divergences
from slo_engine.domain.errors import DependencyUnavailable, IngestionNotFound
from slo_engine.domain.ingestion import (
    GraphSubmission,
    IngestionLimits,
    merge_submission,
    metadata_summary,
    validate_submission,
)

log = logging.getLogger(__name__)

MAX_LISTED = 100


@dataclass(frozen=True)
class IngestionPolicy:
    limits: IngestionLimits
    staleness_window_ms: int


class IngestDependencyGraph:
    def __init__(
        self, graph: GraphStore, lock: GraphWriteLock, clock: Clock, policy: IngestionPolicy,
        snapshots: SnapshotHolder, jobs: JobQueue, analyse: AnalyseGraph,
    ) -> None:
        self._analyse = analyse
        self._graph = graph
        self._jobs = jobs
        self._snapshots = snapshots
        self._lock = lock
        self._clock = clock
        self._policy = policy

    def now_ms(self) -> int:
        """The ingestion's clock: a submission's observation times are capped by it."""
        return self._clock.now_ms()

    def accept(self, submission: GraphSubmission) -> str:
        """Validate completely, then record the ingestion; raises InvalidInput before any write."""
        validate_submission(submission, self._policy.limits)
        ingestion_id = str(uuid.uuid4())
        self._graph.create_ingestion(ingestion_id, submission.source.value,
                                     len(submission.services), len(submission.edges),
                                     self._clock.now_ms())
        return ingestion_id

    def process(self, ingestion_id: str, submission: GraphSubmission) -> dict[str, Any]:
        """Merge an accepted submission, then enqueue its analysis; the ingestion stays
        `processing` (stage `analysing`) until that job completes it. A failed merge is
        recorded, then raised."""
        try:
            result = self._merge(submission)
        except Exception as error:
            log.exception("ingestion %s failed", ingestion_id)
            self._graph.finish_ingestion(ingestion_id, "failed", {"error": str(error)},
                                         self._clock.now_ms())
            raise
        job_id = analysis_job_id(ingestion_id)
        self._graph.finish_ingestion(ingestion_id, "processing", {
            **result, "stage": "analysing", "analysis_job_id": job_id}, self._clock.now_ms())
        # Readers in this process see the merged graph at once; others on their next read.
        self._snapshots.refresh()
        try:
            self._jobs.enqueue(JobKind.ANALYSE_GRAPH, {"ingestion_id": ingestion_id},
                               job_id=job_id)
        except DependencyUnavailable as error:
            # Like the write lock, ingestion outlives a Redis outage: analyse right here.
            log.warning("ingestion %s: %s; analysing in this process", ingestion_id, error)
            self._analyse.run(ingestion_id)
        return result

    def _merge(self, submission: GraphSubmission) -> dict[str, Any]:
        started = time.perf_counter()
        with self._lock.hold():
            now = self._clock.now_ms()
            window = self._policy.staleness_window_ms
            discovered = self._create_placeholders(submission, now)
            upserted = self._graph.upsert_services(submission.services, submission.source.rank, now)
            # Only edges another source also reports have provenance the merge keeps.
            stored = self._graph.shared_edge_provenance([e.pair for e in submission.edges],
                                                        submission.source)
            merged = merge_submission(submission, stored, now, window)
            self._graph.upsert_dependencies(merged.edges, now)
            version = self._graph.bump_graph_version(now)
        divergences = ingestion_divergences(merged.edges, submission.source, now, window)
        return {
            "nodes_upserted": upserted,
            "edges_upserted": len(merged.edges),
            **metadata_summary(submission),
            "services_discovered": discovered[:MAX_LISTED],
            "services_discovered_count": len(discovered),
            "conflicts": [c.as_dict() for c in merged.conflicts[:MAX_LISTED]],
            "conflicts_count": len(merged.conflicts),
            "edges_stale_on_arrival": sum(1 for e in merged.edges if e.is_stale),
            "divergences": [d.as_dict() for d in divergences[:MAX_LISTED]],
            "divergences_count": len(divergences),
            "graph_version": version,
            "timings": {"write_s": round(time.perf_counter() - started, 4)},
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


def analysis_job_id(ingestion_id: str) -> str:
    """One analysis per ingestion: enqueuing it again replaces, never duplicates, it."""
    return f"{JobKind.ANALYSE_GRAPH.value}-{ingestion_id}"
