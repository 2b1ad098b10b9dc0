"""TRD 6.2 / 6.4 / FR-1: the dependency graph discovered from runtime telemetry and, when
enabled, declared by a Kubernetes cluster. Each run reads the edges seen over a window and
the cluster's declarations, and hands each source's view to ingestion as one submission,
so provenance, source priority and staleness apply exactly as to a POSTed graph.

A source that cannot be read (Prometheus or the API server down, a 403) is reported in the
run's `failed_sources` with the reason while the others still ingest; its edges from
earlier runs stay, and turn stale once unreported for the staleness window. Only when no
source can be read does the run fail (and the job queue retries it)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slo_engine.application.graph_divergences import GraphDivergences
from slo_engine.application.ingest_graph import IngestDependencyGraph
from slo_engine.application.telemetry_ports import ClusterCatalogue, EdgeTelemetry
from slo_engine.domain.cluster_declarations import (
    ClusterDeclarations,
    ClusterState,
    DeclarationConventions,
    cluster_submission,
)
from slo_engine.domain.divergence import RUNTIME_SOURCES, DivergenceKind
from slo_engine.domain.edge_discovery import ConfidencePolicy, ObservedEdge, submissions_from
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.ingestion import MAX_REPORTED_PROBLEMS, GraphSubmission
from slo_engine.domain.model import DiscoverySource

T = TypeVar("T")


@dataclass(frozen=True)
class DiscoveryOptions:
    window_seconds: int = 3600
    confidence: ConfidencePolicy = field(default_factory=ConfidencePolicy)
    conventions: DeclarationConventions = field(default_factory=DeclarationConventions)


class DiscoverGraph:
    """Knows how to turn the edges telemetry saw, and what the cluster declares, into one
    ingestion per source."""

    def __init__(self, edges: EdgeTelemetry, ingest: IngestDependencyGraph,
                 options: DiscoveryOptions, divergences: GraphDivergences,
                 observe: Callable[[Mapping[str, int]], None] = lambda _counts: None,
                 cluster: ClusterCatalogue | None = None,
                 source_failed: Callable[[str], None] = lambda _source: None) -> None:
        self._edges = edges
        self._ingest = ingest
        self._options = options
        self._divergences = divergences
        self._observe = observe
        self._cluster = cluster  # None: Kubernetes discovery is off
        self._source_failed = source_failed

    async def run(self) -> dict[str, Any]:
        now_ms = self._ingest.now_ms()
        observed, state = await asyncio.gather(
            _attempt(self._edges.observed_edges(self._options.window_seconds, now_ms // 1000)),
            self._cluster_state())
        self._raise_if_nothing_answered(observed, state)
        failed: list[dict[str, str]] = []
        result: dict[str, Any] = {"window_seconds": self._options.window_seconds}
        submissions = self._runtime_submissions(observed, now_ms, result, failed)
        submissions += self._cluster_submissions(state, now_ms, result, failed)
        result["ingestions"] = [self._ingested(s) for s in submissions]
        result["failed_sources"] = failed
        result["divergences"] = self._divergence_counts()
        self._observe(result["divergences"])
        return result

    async def _cluster_state(self) -> ClusterState | DependencyUnavailable | None:
        return None if self._cluster is None else await _attempt(self._cluster.cluster_state())

    def _runtime_submissions(self, observed: list[ObservedEdge] | DependencyUnavailable,
                             now_ms: int, result: dict[str, Any],
                             failed: list[dict[str, str]]) -> list[GraphSubmission]:
        if isinstance(observed, DependencyUnavailable):
            failed += [self._failure(source, observed) for source in RUNTIME_SOURCES]
            observed = []
        result["edges_observed"] = len(observed)
        return submissions_from(observed, now_ms // 1000, self._options.confidence)

    def _cluster_submissions(self, state: ClusterState | DependencyUnavailable | None,
                             now_ms: int, result: dict[str, Any],
                             failed: list[dict[str, str]]) -> list[GraphSubmission]:
        if isinstance(state, DependencyUnavailable):
            failed.append(self._failure(DiscoverySource.KUBERNETES, state))
            return []
        if state is None:
            return []
        declared = cluster_submission(state, self._options.conventions, now_ms)
        result["kubernetes"] = _cluster_summary(declared)
        return [declared.submission] if (declared.submission.services
                                         or declared.submission.edges) else []

    def _raise_if_nothing_answered(self, *reads: object) -> None:
        """Every configured source failed: the run fails, so the job is retried."""
        answers = [r for r in reads if r is not None]
        if all(isinstance(r, DependencyUnavailable) for r in answers):
            raise next(r for r in answers if isinstance(r, DependencyUnavailable))

    def _failure(self, source: DiscoverySource, error: DependencyUnavailable
                 ) -> dict[str, str]:
        self._source_failed(source.value)
        return {"source": source.value, "status": "failed", "reason": str(error)}

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


async def _attempt(read: Awaitable[T]) -> T | DependencyUnavailable:
    try:
        return await read
    except DependencyUnavailable as error:
        return error


def _cluster_summary(declared: ClusterDeclarations) -> dict[str, Any]:
    """What the cluster declared, and the declarations skipped (first 50)."""
    return {"services": len(declared.submission.services),
            "edges": len(declared.submission.edges),
            "problems_count": len(declared.problems),
            "problems": [p.as_dict() for p in declared.problems[:MAX_REPORTED_PROBLEMS]]}
