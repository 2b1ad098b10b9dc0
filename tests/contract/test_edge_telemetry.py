"""The EdgeTelemetry contract on the Prometheus adapter (a real Prometheus holding
servicegraph and Istio counters) and on its in-memory fake (tests/fakes_edge_telemetry.py),
fed the same series."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_edges import LinkerdMetrics, PrometheusEdgeTelemetry
from slo_engine.application.telemetry_ports import EdgeTelemetry
from slo_engine.domain.edge_discovery import ObservedEdge
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.edge_series import HOUR, LINKERD_SERIES, SERIES, write_series
from tests.fakes_edge_telemetry import InMemoryEdgeTelemetry
from tests.prometheus_history import prometheus_holding
from tests.telemetry_history import END


@pytest.fixture(scope="module")
def edge_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("edge-telemetry")
    write_series(directory / "edges.om", SERIES + LINKERD_SERIES)
    with prometheus_holding([directory / "edges.om"], directory / "data") as server:
        yield server


async def _port(request: pytest.FixtureRequest, linkerd: LinkerdMetrics | None
                ) -> AsyncIterator[EdgeTelemetry]:
    if request.param == "memory":
        yield InMemoryEdgeTelemetry(SERIES + LINKERD_SERIES, linkerd=linkerd)
        return
    server: ServerProcess = request.getfixturevalue("edge_prometheus")
    telemetry = PrometheusTelemetry(server.url, retry_delays_s=())
    yield PrometheusEdgeTelemetry(telemetry, linkerd=linkerd)
    await telemetry.close()


@pytest.fixture(params=["prometheus", "memory"])
async def edges(request: pytest.FixtureRequest) -> AsyncIterator[EdgeTelemetry]:
    """Linkerd off (the default): its series are there and not read."""
    async for port in _port(request, None):
        yield port


@pytest.fixture(params=["prometheus", "memory"])
async def with_linkerd(request: pytest.FixtureRequest) -> AsyncIterator[EdgeTelemetry]:
    async for port in _port(request, LinkerdMetrics()):
        yield port


def summary(edge: ObservedEdge) -> tuple[str, str, str, str, str, int, int, int]:
    return (edge.source.value, edge.client, edge.server, edge.mode.value,
            edge.server_kind.value, round(edge.requests), round(edge.failed_requests),
            edge.last_seen_s)


async def test_each_source_reports_its_edges_with_the_hours_traffic(
        edges: EdgeTelemetry) -> None:
    found = [summary(e) for e in await edges.observed_edges(HOUR, END) if e.server != "search"]
    assert found == [
        ("service_mesh", "batch", "checkout", "sync", "internal", 3600, 0, END),
        ("service_mesh", "web", "checkout", "sync", "internal", 8100, 900, END),
        ("otel_service_graph", "checkout", "notifier", "async", "internal", 1800, 0, END),
        ("otel_service_graph", "checkout", "orders-db", "sync", "datastore", 3600, 0, END),
        ("otel_service_graph", "payments", "api.stripe.com", "sync", "external", 900, 0, END),
        ("otel_service_graph", "web", "checkout", "sync", "internal", 7200, 900, END),
    ]


async def test_the_servicegraph_edge_with_a_latency_histogram_reports_its_p50_and_p99(
        edges: EdgeTelemetry) -> None:
    found = {(e.source.value, *e.pair): e.server_latency
             for e in await edges.observed_edges(HOUR, END)}
    latency = found.pop(("otel_service_graph", "web", "checkout"))
    assert latency is not None
    assert (round(latency.p50_s, 6), round(latency.p99_s, 6)) == (0.3, 0.98)
    assert set(found.values()) == {None}


async def test_an_edge_that_went_quiet_in_the_window_was_last_seen_when_it_stopped(
        edges: EdgeTelemetry) -> None:
    quiet = [e for e in await edges.observed_edges(HOUR, END) if e.server == "search"]
    assert [(e.source.value, e.last_seen_s) for e in quiet] == [
        ("otel_service_graph", END - HOUR // 2)]


async def test_a_shorter_window_counts_only_its_own_traffic(edges: EdgeTelemetry) -> None:
    found = await edges.observed_edges(600, END)
    assert [(e.client, e.server, round(e.requests)) for e in found
            if e.source.value == "otel_service_graph"] == [
        ("checkout", "notifier", 300), ("checkout", "orders-db", 600),
        ("payments", "api.stripe.com", 150), ("web", "checkout", 1200)]


async def test_a_store_that_does_not_answer_is_unavailable() -> None:
    for silent in (InMemoryEdgeTelemetry(SERIES, unavailable=True), None):
        telemetry = PrometheusTelemetry(f"http://127.0.0.1:{free_port()}", retry_delays_s=())
        port: EdgeTelemetry = silent or PrometheusEdgeTelemetry(telemetry)
        with pytest.raises(DependencyUnavailable, match="metrics store"):
            await port.observed_edges(HOUR, END)
        await telemetry.close()


async def test_linkerds_outbound_responses_are_mesh_edges_and_the_busier_report_wins(
        with_linkerd: EdgeTelemetry) -> None:
    found = sorted(summary(e) for e in await with_linkerd.observed_edges(HOUR, END)
                   if e.source.value == "service_mesh")
    assert found == [
        ("service_mesh", "batch", "checkout", "sync", "internal", 3600, 0, END),
        ("service_mesh", "batch", "search", "sync", "internal", 1800, 0, END),
        ("service_mesh", "web", "checkout", "sync", "internal", 8100, 900, END),
    ]
