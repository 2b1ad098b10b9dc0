"""Post-ingestion graph analysis (a background job): staleness, cycles, compaction.

Runs after an ingestion's writes landed, so a large submission is acknowledged at once and
merged without waiting for the analysis. Idempotent: a completed ingestion is left as is,
and everything it writes is keyed (supernodes by member set, stale flags by cutoff).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slo_engine.application.detect_cycles import detect_cycles
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.ports import Clock, GraphStore, GraphWriteLock
from slo_engine.domain.errors import IngestionNotFound

log = logging.getLogger(__name__)


class AnalyseGraph:
    def __init__(self, graph: GraphStore, lock: GraphWriteLock, clock: Clock,
                 snapshots: SnapshotHolder, staleness_window_ms: int,
                 compact_after_edges: int) -> None:
        self._graph = graph
        self._lock = lock
        self._clock = clock
        self._snapshots = snapshots
        self._window = staleness_window_ms
        self._compact_after = compact_after_edges

    def run(self, ingestion_id: str) -> dict[str, Any]:
        record = self._graph.get_ingestion(ingestion_id)
        if record is None:
            raise IngestionNotFound(ingestion_id)
        if record["status"] == "completed":
            return dict(record["result"])
        try:
            result = self._analyse(ingestion_id, record)
        except Exception as error:
            log.exception("analysis of ingestion %s failed", ingestion_id)
            self._graph.finish_ingestion(ingestion_id, "failed", {
                **record["result"], "stage": "analysing", "error": str(error)},
                self._clock.now_ms())
            raise
        self._graph.finish_ingestion(ingestion_id, "completed", result, self._clock.now_ms())
        if result["edges_marked_stale"]:
            self._snapshots.refresh()
        else:  # cycles and supernodes are not in the snapshot: only the version moved on
            self._snapshots.advance(result["graph_version"] - 1, result["graph_version"])
        return result

    def _analyse(self, ingestion_id: str, record: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        with self._lock.hold():
            now = self._clock.now_ms()
            stale = self._graph.mark_stale_dependencies(now - self._window, now)
            cycles = detect_cycles(self._graph, ingestion_id, now)
            # Stale flags change what readers traverse: their snapshots must reload.
            version = self._graph.bump_graph_version(now)
        if record["edges_received"] >= self._compact_after:
            self._graph.compact()
        merged = {k: v for k, v in record["result"].items()
                  if k not in ("stage", "analysis_job_id", "error")}
        return {
            **merged,
            "edges_marked_stale": stale,
            "graph_version": version,
            "cycles": cycles.as_dict(),
            "timings": {
                **merged.get("timings", {}),
                "analysis_s": round(time.perf_counter() - started, 4),
                "scc_s": round(cycles.scc_seconds, 4),
                **{k: round(v, 4) for k, v in cycles.timings.items()},
            },
        }
