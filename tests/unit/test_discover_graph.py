"""Graph discovery on in-memory fakes: one ingestion per source through the ingestion
path, so provenance and source priority apply as to a POSTed graph."""

from __future__ import annotations

import pytest
from workers.schedule import periodic_jobs

from slo_engine.application.jobs import JobKind
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.runtime.settings import Settings
from tests.cluster_objects import CLUSTER
from tests.discovery_wiring import discovery
from tests.edge_series import HOUR, SERIES
from tests.fakes import InMemoryJobQueue
from tests.fakes_cluster import InMemoryClusterCatalogue
from tests.fakes_edge_telemetry import InMemoryEdgeTelemetry
from tests.fakes_world import FakeWorld


def edges_of(world: FakeWorld) -> dict[tuple[str, str], tuple[str, list[str], float]]:
    return {(row["source"], row["target"]): (row["communication_mode"], sorted(row["sources"]),
                                             row["confidence_score"])
            for row in world.store.all_dependencies()}


async def test_a_run_ingests_each_sources_edges_once_with_their_confidence() -> None:
    world, queue = FakeWorld(), InMemoryJobQueue()
    result = await discovery(world, InMemoryEdgeTelemetry(SERIES), queue).run()
    assert [(i["source"], i["edges"], i["services"]) for i in result["ingestions"]] == [
        ("service_mesh", 2, 0), ("otel_service_graph", 5, 2)]
    assert result["edges_observed"] == 7
    assert result["divergences"] == {"declared_not_observed": 0, "observed_not_declared": 6,
                                     "attribute_disagreement": 0}
    assert [job.kind for job in queue.jobs.values()] == [JobKind.ANALYSE_GRAPH] * 2
    assert edges_of(world) == {
        ("batch", "checkout"): ("sync", ["service_mesh"], 0.95),
        ("web", "checkout"): ("sync", ["otel_service_graph", "service_mesh"], 0.995),
        ("checkout", "notifier"): ("async", ["otel_service_graph"], 0.9),
        ("checkout", "orders-db"): ("sync", ["otel_service_graph"], 0.9),
        ("payments", "api.stripe.com"): ("sync", ["otel_service_graph"], 0.8999),
        ("web", "search"): ("sync", ["otel_service_graph"], 0.6364),
    }


async def test_discovered_datastores_and_externals_become_their_own_nodes() -> None:
    world = FakeWorld()
    await discovery(world, InMemoryEdgeTelemetry(SERIES), InMemoryJobQueue()).run()
    kinds = {row["service_id"]: (row["service_type"], row["discovered"])
             for row in world.store.all_services()}
    assert kinds == {"api.stripe.com": ("external", False), "orders-db": ("internal", False),
                     "batch": ("internal", True), "checkout": ("internal", True),
                     "notifier": ("internal", True), "payments": ("internal", True),
                     "web": ("internal", True), "search": ("internal", True)}


async def test_a_quiet_window_ingests_nothing() -> None:
    world = FakeWorld()
    result = await discovery(world, InMemoryEdgeTelemetry([]), InMemoryJobQueue()).run()
    assert result == {"window_seconds": HOUR, "edges_observed": 0, "ingestions": [],
                      "failed_sources": [],
                      "divergences": {"declared_not_observed": 0, "observed_not_declared": 0,
                                      "attribute_disagreement": 0}}
    assert world.store.all_dependencies() == []


async def test_an_unanswering_store_fails_the_run_before_anything_is_written() -> None:
    world = FakeWorld()
    edges = InMemoryEdgeTelemetry(SERIES, unavailable=True)
    with pytest.raises(DependencyUnavailable):
        await discovery(world, edges, InMemoryJobQueue()).run()
    assert world.store.all_dependencies() == []


def test_the_scheduler_discovers_the_graph_every_fifteen_minutes() -> None:
    assert periodic_jobs(Settings())[JobKind.DISCOVER_GRAPH] == 900


async def test_with_a_cluster_one_run_also_ingests_what_kubernetes_declares() -> None:
    world = FakeWorld()
    result = await discovery(world, InMemoryEdgeTelemetry(SERIES), InMemoryJobQueue(),
                             InMemoryClusterCatalogue(CLUSTER)).run()
    assert [(i["source"], i["edges"], i["services"]) for i in result["ingestions"]] == [
        ("service_mesh", 2, 0), ("otel_service_graph", 5, 2), ("kubernetes", 5, 7)]
    assert result["kubernetes"] == {"services": 7, "edges": 5, "problems_count": 0,
                                    "problems": []}
    assert result["failed_sources"] == []
    assert edges_of(world)[("front", "cart")] == ("sync", ["kubernetes"], 0.6)
    teams = {r["service_id"]: r.get("team") for r in world.store.all_services()}
    assert (teams["front"], teams["cart"], teams["payment-api"]) == ("web", "shop", "pay")


async def test_a_refusing_cluster_is_reported_failed_and_telemetry_still_ingests() -> None:
    world = FakeWorld()
    cluster = InMemoryClusterCatalogue(CLUSTER, forbidden={"services"})
    result = await discovery(world, InMemoryEdgeTelemetry(SERIES), InMemoryJobQueue(),
                             cluster).run()
    assert result["failed_sources"] == [{
        "source": "kubernetes", "status": "failed",
        "reason": "Kubernetes API is unavailable: listing services: 403 services is forbidden"}]
    assert [i["source"] for i in result["ingestions"]] == ["service_mesh", "otel_service_graph"]
    assert "kubernetes" not in result


async def test_unanswering_telemetry_is_reported_failed_and_the_cluster_still_ingests() -> None:
    world = FakeWorld()
    result = await discovery(world, InMemoryEdgeTelemetry(SERIES, unavailable=True),
                             InMemoryJobQueue(), InMemoryClusterCatalogue(CLUSTER)).run()
    reason = "metrics store (Prometheus) is unavailable: connection refused"
    assert result["failed_sources"] == [
        {"source": "service_mesh", "status": "failed", "reason": reason},
        {"source": "otel_service_graph", "status": "failed", "reason": reason}]
    assert [i["source"] for i in result["ingestions"]] == ["kubernetes"]
    assert result["edges_observed"] == 0
    assert len(world.store.all_dependencies()) == 5


async def test_when_no_source_answers_the_run_fails_and_nothing_is_written() -> None:
    world = FakeWorld()
    with pytest.raises(DependencyUnavailable, match="metrics store"):
        await discovery(world, InMemoryEdgeTelemetry(SERIES, unavailable=True),
                        InMemoryJobQueue(), InMemoryClusterCatalogue(CLUSTER,
                                                                     unavailable=True)).run()
    assert world.store.all_dependencies() == []
