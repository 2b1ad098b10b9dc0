"""The graph discovered from a simulated fleet's own servicegraph and Istio metrics, read
from a real Prometheus, is the fleet's topology: its sync and async edges, its datastores
and its externals."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_edges import PrometheusEdgeTelemetry
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import simulate_fleet
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


@pytest.fixture(scope="module")
def fleet_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("discovery")
    write_openmetrics(simulate_fleet(TOPOLOGY, days=1, end_s=END, seed=5), directory / "f.om")
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
