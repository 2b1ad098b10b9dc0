"""TRD 6.2 / FR-1: the dependency graph discovered from runtime telemetry. Each run reads
the edges seen over a window and hands each source's view to ingestion as one submission,
so provenance, source priority and staleness apply exactly as to a POSTed graph."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slo_engine.application.graph_divergences import GraphDivergences
from slo_engine.application.ingest_graph import IngestDependencyGraph
from slo_engine.application.ports import EdgeTelemetry
from slo_engine.domain.divergence import DivergenceKind
from slo_engine.domain.edge_discovery import ConfidencePolicy, submissions_from
from slo_engine.domain.ingestion import GraphSubmission


@dataclass(frozen=True)
class DiscoveryOptions:
    window_seconds: int = 3600
    confidence: ConfidencePolicy = field(default_factory=ConfidencePolicy)


class DiscoverGraph:
    """Knows how to turn the edges telemetry saw into one ingestion per source."""

    def __init__(self, edges: EdgeTelemetry, ingest: IngestDependencyGraph,
                 options: DiscoveryOptions, divergences: GraphDivergences,
                 observe: Callable[[Mapping[str, int]], None] = lambda _counts: None) -> None:
        self._edges = edges
        self._ingest = ingest
        self._options = options
        self._divergences = divergences
        self._observe = observe

    async def run(self) -> dict[str, Any]:
        now_s = self._ingest.now_ms() // 1000
        observed = await self._edges.observed_edges(self._options.window_seconds, now_s)
        submissions = submissions_from(observed, now_s, self._options.confidence)
        ingestions = [self._ingested(s) for s in submissions]
        counts = self._divergence_counts()
        self._observe(counts)
        return {"window_seconds": self._options.window_seconds,
                "edges_observed": len(observed), "ingestions": ingestions,
                "divergences": counts}

    def _divergence_counts(self) -> dict[str, int]:
        """The whole graph's divergences by kind (for the job's result and the gauge)."""
        counts = Counter(d.kind.value for d in self._divergences.list())
        return {kind.value: counts[kind.value] for kind in DivergenceKind}

    def _ingested(self, submission: GraphSubmission) -> dict[str, Any]:
        ingestion_id = self._ingest.accept(submission)
        result = self._ingest.process(ingestion_id, submission)
        return {"source": submission.source.value, "ingestion_id": ingestion_id,
                "edges": len(submission.edges), "services": len(submission.services),
                "services_discovered_count": result["services_discovered_count"],
                "conflicts_count": result["conflicts_count"]}
