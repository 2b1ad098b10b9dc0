"""The demo fleet behind Linkerd instead of Istio: its simulated proxies' response_total
counters, read from a real Prometheus, give the fleet's in-mesh calls as service_mesh
edges, with their failures; with Linkerd discovery off they are not read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_edges import LinkerdMetrics, PrometheusEdgeTelemetry
from slo_engine.fleet.edge_openmetrics import in_mesh
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet
from slo_engine.runtime.processes import ServerProcess
from slo_engine.runtime.settings import Settings
from tests.prometheus_history import prometheus_holding
from tests.telemetry_history import END

HOUR = 3600


def demo() -> dict[str, Any]:
    topology: dict[str, Any] = json.loads(resources.files("slo_engine.samples").joinpath(
        "demo-topology.json").read_text())
    return topology


@pytest.fixture(scope="module")
def linkerd_fleet(tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[tuple[FleetHistory, ServerProcess]]:
    directory = tmp_path_factory.mktemp("linkerd")
    history = simulate_fleet(demo(), days=1, end_s=END, seed=7)
    write_openmetrics(history, directory / "demo.om", meshes=("linkerd",))
    with prometheus_holding([directory / "demo.om"], directory / "data") as server:
        yield history, server


async def mesh_edges(server: ServerProcess, linkerd: LinkerdMetrics | None
                     ) -> dict[tuple[str, str], tuple[float, float]]:
    telemetry = PrometheusTelemetry(server.url, retry_delays_s=())
    try:
        found = await PrometheusEdgeTelemetry(telemetry, linkerd=linkerd).observed_edges(
            HOUR, END)
    finally:
        await telemetry.close()
    return {e.pair: (e.requests, e.failed_requests) for e in found
            if e.source.value == "service_mesh"}


async def test_the_discovered_mesh_edges_are_the_simulated_in_mesh_calls(
        linkerd_fleet: tuple[FleetHistory, ServerProcess]) -> None:
    history, server = linkerd_fleet
    found = await mesh_edges(server, Settings(linkerd_discovery_enabled=True).linkerd_metrics())
    simulated = {(history.services[e.source], history.services[e.target])
                 for e in history.edges if in_mesh(e, history)}
    assert len(simulated) == 40
    assert set(found) == simulated
    assert all(requests > 0 for requests, _ in found.values())
    assert sum(failed for _, failed in found.values()) > 0


async def test_with_linkerd_discovery_off_its_counters_are_not_read(
        linkerd_fleet: tuple[FleetHistory, ServerProcess]) -> None:
    assert Settings().linkerd_metrics() is None
    assert await mesh_edges(linkerd_fleet[1], None) == {}
