"""The graph discovered from a simulated fleet's own servicegraph and Istio metrics, read
from a real Prometheus, is the fleet's topology: its sync and async edges, its datastores
and its externals."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_edges import PrometheusEdgeTelemetry, ServiceGraphMetrics
from slo_engine.domain.model import DiscoverySource
from slo_engine.fleet.edge_openmetrics import SERVER_LATENCY_BUCKETS_SECONDS
from slo_engine.fleet.lognormal import lognormal_cdf
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import SettableClock, settings_for
from tests.discovery_wiring import discovery
from tests.fakes import InMemoryJobQueue
from tests.fakes_world import FakeWorld
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest
from tests.prometheus_history import prometheus_holding
from tests.telemetry_history import END

TOPOLOGY: dict[str, Any] = {
    "nodes": [{"service_id": "shop-db", "metadata": {"engine": "postgres"}},
              {"service_id": "kafka", "metadata": {"engine": "kafka"}},
              {"service_id": "pay-api", "metadata": {"service_type": "external"}}],
    "edges": [{"source": "front", "target": "cart"},
              {"source": "cart", "target": "shop-db"},
              {"source": "cart", "target": "pay-api"},
              {"source": "cart", "target": "mailer",
               "attributes": {"communication_mode": "async", "criticality": "soft"}},
              {"source": "mailer", "target": "kafka",
               "attributes": {"communication_mode": "async"}}],
}


HOUR = 3600


@pytest.fixture(scope="module")
def fleet() -> FleetHistory:
    return simulate_fleet(TOPOLOGY, days=1, end_s=END, seed=5)


@pytest.fixture(scope="module")
def fleet_prometheus(fleet: FleetHistory, tmp_path_factory: pytest.TempPathFactory
                     ) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("discovery")
    write_openmetrics(fleet, directory / "f.om")
    with prometheus_holding([directory / "f.om"], directory / "data") as server:
        yield server


@pytest.fixture
async def discovered(fleet_prometheus: ServerProcess) -> AsyncIterator[FakeWorld]:
    world = FakeWorld()
    telemetry = PrometheusTelemetry(fleet_prometheus.url, retry_delays_s=())
    await discovery(world, PrometheusEdgeTelemetry(telemetry), InMemoryJobQueue()).run()
    yield world
    await telemetry.close()


def test_the_discovered_edges_are_the_simulated_ones_with_their_modes(
        discovered: FakeWorld) -> None:
    edges = {(r["source"], r["target"]): (r["communication_mode"], sorted(r["sources"]))
             for r in discovered.store.all_dependencies()}
    assert edges == {
        ("front", "cart"): ("sync", ["otel_service_graph", "service_mesh"]),
        ("cart", "shop-db"): ("sync", ["otel_service_graph"]),
        ("cart", "pay-api"): ("sync", ["otel_service_graph"]),
        ("cart", "mailer"): ("async", ["otel_service_graph"]),
        ("mailer", "kafka"): ("async", ["otel_service_graph"]),
    }


def test_datastores_and_externals_are_their_own_nodes(discovered: FakeWorld) -> None:
    nodes = {r["service_id"]: (r["service_type"], r["discovered"])
             for r in discovered.store.all_services()}
    assert nodes == {"front": ("internal", True), "cart": ("internal", True),
                     "mailer": ("internal", True), "shop-db": ("internal", False),
                     "kafka": ("internal", False), "pay-api": ("external", False)}


def simulated_p99(history: FleetHistory, client: str, server: str) -> float:
    """The exact p99 of the callee's latency over the last hour's calls (the steps ending
    within it), a mixture of its lognormals weighted by the caller's requests."""
    source, target = history.index(client), history.index(server)
    steps = HOUR // history.step_s
    weights = history.requests[source][-steps:]
    medians = history.latency_median_s[target][-steps:]
    sigma = float(history.latency_sigma[target])
    low, high = 1e-6, 100.0
    for _ in range(100):  # bisection on the mixture's distribution function
        middle = (low + high) / 2
        share = float((weights * lognormal_cdf(middle, medians, sigma)).sum() / weights.sum())
        low, high = (middle, high) if share < 0.99 else (low, middle)
    return high


def bucket_around(seconds: float) -> tuple[float, float]:
    bounds = (0.0, *SERVER_LATENCY_BUCKETS_SECONDS, float("inf"))
    return next((lo, hi) for lo, hi in pairwise(bounds) if seconds <= hi)


async def test_each_edges_observed_p99_lies_in_the_bucket_of_the_simulated_p99(
        fleet: FleetHistory, fleet_prometheus: ServerProcess) -> None:
    telemetry = PrometheusTelemetry(fleet_prometheus.url, retry_delays_s=())
    edges = await PrometheusEdgeTelemetry(telemetry).observed_edges(HOUR, END)
    prometheus_p99 = {(r["client"], r["server"]): value for r, value in await (
        telemetry.instant_series(
            "histogram_quantile(0.99, sum by (client, server, le) (increase("
            "traces_service_graph_request_server_seconds_bucket[3600s])))", END))}
    await telemetry.close()
    graph_edges = [e for e in edges if e.source.value == "otel_service_graph"]
    assert len(graph_edges) == 5
    for edge in graph_edges:
        assert edge.server_latency is not None, edge.pair
        low, high = bucket_around(simulated_p99(fleet, *edge.pair))
        assert low <= edge.server_latency.p99_s <= high, edge.pair
        assert edge.server_latency.p99_s == pytest.approx(prometheus_p99[edge.pair])
        assert edge.server_latency.p50_s < edge.server_latency.p99_s


async def test_without_the_latency_histogram_edges_are_discovered_with_no_latency(
        fleet_prometheus: ServerProcess) -> None:
    telemetry = PrometheusTelemetry(fleet_prometheus.url, retry_delays_s=())
    absent = ServiceGraphMetrics(server_latency_bucket_metric="no_such_histogram_bucket")
    edges = await PrometheusEdgeTelemetry(telemetry, service_graph=absent).observed_edges(
        HOUR, END)
    await telemetry.close()
    assert sorted(e.pair for e in edges if e.source.value == "otel_service_graph") == [
        ("cart", "mailer"), ("cart", "pay-api"), ("cart", "shop-db"), ("front", "cart"),
        ("mailer", "kafka")]
    assert {e.server_latency for e in edges} == {None}


@pytest.fixture
def api(falkordb_server: ServerProcess, redis_server: ServerProcess,
        fleet_prometheus: ServerProcess, tmp_path: Path, clock: SettableClock,
        identity_provider: LocalIdentityProvider) -> Iterator[tuple[TestClient, Container]]:
    clock.now = END * 1000
    container = bootstrap(settings_for(falkordb_server, redis_server, tmp_path,
                                       fleet_prometheus, identity_provider), clock)
    with admin_client(container, identity_provider) as client:
        yield client, container
    container.close()


def test_a_discovery_job_started_through_the_api_ingests_both_sources(
        api: tuple[TestClient, Container]) -> None:
    client, container = api
    started = client.post("/api/v1/jobs", json={"kind": "discover_graph"})
    assert started.status_code == 202, started.text
    state = client.get(started.json()["status_url"]).json()
    assert state["status"] == "finished", state  # inline: done before the answer
    assert [(i["source"], i["edges"], i["services"]) for i in state["result"]["ingestions"]] == [
        ("service_mesh", 1, 0), ("otel_service_graph", 5, 3)]
    pairs = {(r["source"], r["target"]) for r in container.graph.all_dependencies()}
    assert pairs == {("front", "cart"), ("cart", "shop-db"), ("cart", "pay-api"),
                     ("cart", "mailer"), ("mailer", "kafka")}


def test_the_discovered_latencies_are_kept_next_to_each_edges_request_counts(
        api: tuple[TestClient, Container]) -> None:
    client, container = api
    client.post("/api/v1/jobs", json={"kind": "discover_graph"})
    pairs = [(r["source"], r["target"]) for r in container.graph.all_dependencies()]
    provenance = container.graph.edge_provenance(pairs)
    metadata = {pair: provenance[pair][DiscoverySource.OTEL_SERVICE_GRAPH].attributes[
        "metadata"] for pair in pairs}
    assert len(metadata) == 5
    for pair, kept in metadata.items():
        assert {"requests", "failed_requests", "server_p50_seconds",
                "server_p99_seconds"} <= kept.keys(), pair
        assert 0 < kept["server_p50_seconds"] < kept["server_p99_seconds"], pair


def test_discovery_takes_no_service_ids(api: tuple[TestClient, Container]) -> None:
    client, _ = api
    response = client.post("/api/v1/jobs", json={"kind": "discover_graph",
                                                 "service_ids": ["cart"]})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"pointer": "/service_ids",
                                          "message": "omit service_ids for discover_graph"}]


def declare(client: TestClient) -> None:
    ingest(client, graph("manual", [("front", "cart", {"communication_mode": "async"}),
                                    ("front", "legacy"), ("cart", "shop-db")],
                         nodes=[{"service_id": "front", "metadata": {"team": "web"}},
                                {"service_id": "legacy", "metadata": {"team": "old"}}]))


def test_each_discovery_ingestion_lists_its_divergences_from_the_declared_graph(
        api: tuple[TestClient, Container]) -> None:
    client, _ = api
    declare(client)
    started = client.post("/api/v1/jobs", json={"kind": "discover_graph"}).json()
    ingestions = client.get(started["status_url"]).json()["result"]["ingestions"]
    results = {i["source"]: client.get(
        f"/api/v1/services/dependencies/ingestions/{i['ingestion_id']}").json()["result"]
               for i in ingestions}
    assert results["service_mesh"]["divergences"] == [{
        "kind": "attribute_disagreement", "source": "front", "target": "cart",
        "declared_by": ["manual"], "observed_by": ["service_mesh"],
        "attribute": "communication_mode", "declared": "async", "observed": "sync"}]
    assert results["otel_service_graph"]["divergences_count"] == 4


def test_the_graph_divergences_filter_by_kind_and_team(api: tuple[TestClient, Container]
                                                       ) -> None:
    client, container = api
    declare(client)
    started = client.post("/api/v1/jobs", json={"kind": "discover_graph"}).json()
    assert client.get(started["status_url"]).json()["result"]["divergences"] == {
        "declared_not_observed": 1, "observed_not_declared": 3, "attribute_disagreement": 1}
    assert 'slo_engine_graph_divergences{kind="observed_not_declared"} 3.0' in (
        container.metrics.exposition().decode())
    every = client.get("/api/v1/graph/divergences").json()["items"]
    assert [(d["kind"], d["source"], d["target"]) for d in every] == [
        ("observed_not_declared", "cart", "mailer"),
        ("observed_not_declared", "cart", "pay-api"),
        ("attribute_disagreement", "front", "cart"),
        ("declared_not_observed", "front", "legacy"),
        ("observed_not_declared", "mailer", "kafka")]
    unobserved = client.get("/api/v1/graph/divergences",
                            params={"kind": "declared_not_observed"}).json()["items"]
    assert [(d["source"], d["target"], d["declared_by"]) for d in unobserved] == [
        ("front", "legacy", ["manual"])]
    old = client.get("/api/v1/graph/divergences", params={"team": "old"}).json()["items"]
    assert [(d["kind"], d["target"]) for d in old] == [("declared_not_observed", "legacy")]


async def test_the_demo_fleet_is_discovered_from_its_own_metrics(
        tmp_path: Path) -> None:
    demo = json.loads(resources.files("slo_engine.samples").joinpath(
        "demo-topology.json").read_text())
    write_openmetrics(simulate_fleet(demo, days=1, end_s=END, seed=7), tmp_path / "demo.om")
    world = FakeWorld()
    with prometheus_holding([tmp_path / "demo.om"], tmp_path / "data") as server:
        telemetry = PrometheusTelemetry(server.url, retry_delays_s=())
        await discovery(world, PrometheusEdgeTelemetry(telemetry), InMemoryJobQueue()).run()
        await telemetry.close()
    declared = {(e["source"], e["target"]): e.get("attributes", {}).get(
        "communication_mode", "sync") for e in demo["edges"]}
    discovered = {(r["source"], r["target"]): r["communication_mode"]
                  for r in world.store.all_dependencies()}
    assert len(discovered) == 67
    assert discovered == declared
    externals = {n["service_id"] for n in demo["nodes"]
                 if n["metadata"].get("service_type") == "external"}
    assert {r["service_id"] for r in world.store.all_services()
            if r["service_type"] == "external"} == externals
