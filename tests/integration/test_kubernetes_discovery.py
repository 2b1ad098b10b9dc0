"""Kubernetes discovery end to end: a discovery job started through the API reads a
simulated fleet's servicegraph and Istio metrics from a real Prometheus and the cluster's
declarations from a local Kubernetes API (through a kubeconfig and the official client),
lands all three sources in FalkorDB, and reports where the declared and observed graphs
diverge; a cluster that refuses or does not answer is reported, and the metrics still
ingest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.cluster_objects import DEPENDS_ON, TEAM, deployment, namespace, service
from tests.conftest import SettableClock, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client
from tests.kubernetes_api import ClusterApi, serving, write_kubeconfig
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
# What the cluster declares: front also calls a legacy service nobody sees called, cart
# declares its mailer call synchronous, and mailer declares nothing.
CLUSTER = {
    "namespaces": [namespace("shop", {TEAM: "shop"})],
    "services": [
        service("shop", "front", {"app": "front"}, {TEAM: "web"},
                {DEPENDS_ON: "cart:hard:sync, legacy:soft"}),
        service("shop", "cart", {"app": "cart"}, None,
                {DEPENDS_ON: "shop-db:hard, mailer:hard:sync, pay-api"}),
        service("shop", "mailer", {"app": "mailer"})],
    "deployments": [deployment("shop", "front", {"app": "front"}, 3, 3),
                    deployment("shop", "cart", {"app": "cart"}, 2, 2),
                    deployment("shop", "mailer", {"app": "mailer"}, 1, 1)],
}


@pytest.fixture(scope="module")
def fleet_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("kubernetes-discovery")
    write_openmetrics(simulate_fleet(TOPOLOGY, days=1, end_s=END, seed=5), directory / "f.om")
    with prometheus_holding([directory / "f.om"], directory / "data") as server:
        yield server


@pytest.fixture
def cluster_api() -> Iterator[ClusterApi]:
    with serving(CLUSTER) as api:
        yield api


Api = Callable[[str], tuple[TestClient, Container]]


@pytest.fixture
def api(falkordb_server: ServerProcess, redis_server: ServerProcess,
        fleet_prometheus: ServerProcess, tmp_path: Path, clock: SettableClock,
        identity_provider: LocalIdentityProvider) -> Iterator[Api]:
    """The engine with Kubernetes discovery on, its kubeconfig pointing at the given URL."""
    clock.now = END * 1000
    started: list[tuple[Container, TestClient]] = []

    def start(api_server_url: str) -> tuple[TestClient, Container]:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", api_server_url)
        container = bootstrap(settings_for(
            falkordb_server, redis_server, tmp_path, fleet_prometheus, identity_provider,
            kubernetes_discovery_enabled=True, kubernetes_kubeconfig=kubeconfig,
            kubernetes_page_size=2), clock)
        client = admin_client(container, identity_provider).__enter__()
        started.append((container, client))
        return client, container

    yield start
    for container, client in started:
        client.__exit__(None, None, None)
        container.close()


def run_discovery(client: TestClient) -> dict[str, Any]:
    started = client.post("/api/v1/jobs", json={"kind": "discover_graph"})
    assert started.status_code == 202, started.text
    state = client.get(started.json()["status_url"]).json()
    assert state["status"] == "finished", state  # inline: done before the answer
    result: dict[str, Any] = state["result"]
    return result


def test_one_run_lands_the_declared_graph_in_falkordb_beside_the_observed_one(
        api: Api, cluster_api: ClusterApi) -> None:
    client, container = api(cluster_api.url)
    result = run_discovery(client)
    assert [(i["source"], i["edges"], i["services"]) for i in result["ingestions"]] == [
        ("service_mesh", 1, 0), ("otel_service_graph", 5, 3), ("kubernetes", 5, 3)]
    assert result["failed_sources"] == []
    sources = {(r["source"], r["target"]): sorted(r["sources"])
               for r in container.graph.all_dependencies()}
    assert sources == {
        ("front", "cart"): ["kubernetes", "otel_service_graph", "service_mesh"],
        ("front", "legacy"): ["kubernetes"],
        ("cart", "shop-db"): ["kubernetes", "otel_service_graph"],
        ("cart", "pay-api"): ["kubernetes", "otel_service_graph"],
        ("cart", "mailer"): ["kubernetes", "otel_service_graph"],
        ("mailer", "kafka"): ["otel_service_graph"]}
    front = client.get("/api/v1/services/front").json()
    assert (front["team"], front["metadata"]["namespace"], front["metadata"]["replicas"]) == (
        "web", "shop", 3)
    assert client.get("/api/v1/services/cart").json()["team"] == "shop"


def test_declared_kubernetes_edges_against_observed_ones_are_divergences(
        api: Api, cluster_api: ClusterApi) -> None:
    client, _ = api(cluster_api.url)
    assert run_discovery(client)["divergences"] == {
        "declared_not_observed": 1, "observed_not_declared": 1, "attribute_disagreement": 1}
    every = client.get("/api/v1/graph/divergences").json()["items"]
    assert [(d["kind"], d["source"], d["target"], d["declared_by"], d["observed_by"],
             d["attribute"], d["declared"], d["observed"]) for d in every] == [
        ("attribute_disagreement", "cart", "mailer", ["kubernetes"], ["otel_service_graph"],
         "communication_mode", "sync", "async"),
        ("declared_not_observed", "front", "legacy", ["kubernetes"], [], None, None, None),
        ("observed_not_declared", "mailer", "kafka", [], ["otel_service_graph"], None, None,
         None)]


def test_a_cluster_that_refuses_is_reported_failed_and_the_metrics_still_ingest(
        api: Api, cluster_api: ClusterApi) -> None:
    cluster_api.forbidden = {"deployments"}
    client, container = api(cluster_api.url)
    result = run_discovery(client)
    assert result["failed_sources"] == [{
        "source": "kubernetes", "status": "failed", "reason": (
            'Kubernetes API is unavailable: listing deployments: 403 deployments is forbidden:'
            ' User "system:serviceaccount:slo:slo-engine" cannot list resource "deployments" '
            'in API group "apps" at the cluster scope; grant list on it to the engine\'s '
            "service account (the chart's rbac.discovery does)")}]
    assert [i["source"] for i in result["ingestions"]] == ["service_mesh", "otel_service_graph"]
    assert 'slo_engine_discovery_source_failures_total{source="kubernetes"} 1.0' in (
        container.metrics.exposition().decode())


def test_an_api_server_that_is_down_is_reported_failed_and_the_metrics_still_ingest(
        api: Api) -> None:
    client, container = api(f"http://127.0.0.1:{free_port()}")
    result = run_discovery(client)
    assert [(f["source"], f["reason"].split(" (")[0]) for f in result["failed_sources"]] == [
        ("kubernetes", "Kubernetes API is unavailable: listing namespaces: no answer")]
    assert len(container.graph.all_dependencies()) == 5
