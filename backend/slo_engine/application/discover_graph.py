"""TRD 6.2 / FR-1: the dependency graph discovered from runtime telemetry. Each run reads
the edges seen over a window and hands each source's view to ingestion as one submission,
so provenance, source priority and staleness apply exactly as to a POSTed graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slo_engine.application.ingest_graph import IngestDependencyGraph
from slo_engine.application.ports import EdgeTelemetry
from slo_engine.domain.edge_discovery import ConfidencePolicy, submissions_from
from slo_engine.domain.ingestion import GraphSubmission


@dataclass(frozen=True)
class DiscoveryOptions:
    window_seconds: int = 3600
    confidence: ConfidencePolicy = field(default_factory=ConfidencePolicy)


class DiscoverGraph:
    """Knows how to turn the edges telemetry saw into one ingestion per source."""

    def __init__(self, edges: EdgeTelemetry, ingest: IngestDependencyGraph,
                 options: DiscoveryOptions) -> None:
        self._edges = edges
        self._ingest = ingest
        self._options = options

    async def run(self) -> dict[str, Any]:
        now_s = self._ingest.now_ms() // 1000
        observed = await self._edges.observed_edges(self._options.window_seconds, now_s)
        submissions = submissions_from(observed, now_s, self._options.confidence)
        return {"window_seconds": self._options.window_seconds,
                "edges_observed": len(observed),
                "ingestions": [self._ingested(s) for s in submissions]}

    def _ingested(self, submission: GraphSubmission) -> dict[str, Any]:
        ingestion_id = self._ingest.accept(submission)
        result = self._ingest.process(ingestion_id, submission)
        return {"source": submission.source.value, "ingestion_id": ingestion_id,
                "edges": len(submission.edges), "services": len(submission.services),
                "services_discovered_count": result["services_discovered_count"],
                "conflicts_count": result["conflicts_count"]}
