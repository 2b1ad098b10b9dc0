"""DiscoverGraph wired to the real ingestion use case over the in-memory graph store, for
tests that read edges from the fake or from a real Prometheus."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from slo_engine.application.analyse_graph import AnalyseGraph
from slo_engine.application.discover_graph import DiscoverGraph, DiscoveryOptions
from slo_engine.application.graph_divergences import GraphDivergences
from slo_engine.application.ingest_graph import IngestDependencyGraph, IngestionPolicy
from slo_engine.application.telemetry_ports import ClusterCatalogue, EdgeTelemetry
from slo_engine.domain.ingestion import IngestionLimits
from tests.fakes import InMemoryJobQueue
from tests.fakes_world import FakeWorld

WEEK_MS = 7 * 86_400_000
HOUR = 3600


class NoLock:
    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        yield


def discovery(world: FakeWorld, edges: EdgeTelemetry, queue: InMemoryJobQueue,
              cluster: ClusterCatalogue | None = None) -> DiscoverGraph:
    analyse = AnalyseGraph(world.store, NoLock(), world.clock, world.snapshots, WEEK_MS, 10_000)
    ingest = IngestDependencyGraph(world.store, NoLock(), world.clock,
                                   IngestionPolicy(IngestionLimits(), WEEK_MS), world.snapshots,
                                   queue, analyse)
    return DiscoverGraph(edges, ingest, DiscoveryOptions(HOUR),
                         GraphDivergences(world.store, world.snapshots, world.clock, WEEK_MS),
                         cluster=cluster)
