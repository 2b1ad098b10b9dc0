"""SLI discovery against a real Prometheus holding a simulated fleet whose services each
follow another naming convention (fleet/convention_openmetrics.py), and the review flow
over the API: list with evidence, approve, modify with a validated override, and the
approved SLI feeding the service's recommendation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_catalog import PrometheusMetricCatalog
from slo_engine.application.discover_slis import DiscoverSlis, SliDiscoveryOptions
from slo_engine.domain.sli_conventions import CONVENTIONS
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import settings_for
from tests.fakes import TickingClock
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import bearer, serving
from tests.prometheus_history import prometheus_holding

END = int(time.time()) // 300 * 300
DAY = 86_400
# One service per convention, one with two (classic and OpenTelemetry HTTP).
SERVICES = {c.name.replace("_", "-"): c.name for c in CONVENTIONS}
TOPOLOGY = {"nodes": [{"service_id": s} for s in [*SERVICES, "both"]],
            "edges": [{"source": "prometheus-http", "target": "grpc-prometheus"}]}


def _history() -> FleetHistory:
    return simulate_fleet(TOPOLOGY, days=2, end_s=END, seed=11)


@pytest.fixture(scope="module")
def mixed_fleet(tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[tuple[ServerProcess, FleetHistory]]:
    directory = tmp_path_factory.mktemp("mixed-fleet")
    history = _history()
    write_openmetrics(history, directory / "fleet.om", conventions=SERVICES)
    semconv_only = _history()  # the same service again, under the OpenTelemetry names
    semconv_only.services = [s if s == "both" else f"unused-{s}" for s in history.services]
    write_openmetrics(semconv_only, directory / "both.om",
                      conventions={"both": "otel_http_server"})
    with prometheus_holding([directory / "fleet.om", directory / "both.om"],
                            directory / "data") as server:
        yield server, history


def _ratio(history: FleetHistory, service: str) -> float:
    i = history.index(service)
    recent = slice(-DAY // history.step_s, None)
    return float(1 - np.sum(history.failures[i][recent]) / np.sum(history.requests[i][recent]))


async def test_every_convention_of_the_mixed_fleet_is_discovered_for_its_service(
        mixed_fleet: tuple[ServerProcess, FleetHistory]) -> None:
    server, history = mixed_fleet
    telemetry = PrometheusTelemetry(server.url, retry_delays_s=())
    # At the history's end, not the wall clock's: the suite may reach this test minutes
    # after the module made the history, and the evidence is of the last day.
    discovery = DiscoverSlis(PrometheusMetricCatalog(telemetry), TickingClock(END * 1000),
                             SliDiscoveryOptions(DAY, 4, 60.0))
    found = await discovery.discover(list(SERVICES))
    await telemetry.close()
    assert found.complete
    assert {s: [c.convention for c in found.candidates.get(s, [])] for s in SERVICES} == {
        s: [name] for s, name in SERVICES.items()}
    for service in SERVICES:
        [candidate] = found.candidates[service]
        assert candidate.evidence.availability_ratio == pytest.approx(
            _ratio(history, service), abs=2e-4), service
        assert candidate.queries.latency_threshold_seconds is not None, service


async def test_a_service_publishing_two_conventions_lists_both_ranked(
        mixed_fleet: tuple[ServerProcess, FleetHistory]) -> None:
    server, _ = mixed_fleet
    telemetry = PrometheusTelemetry(server.url, retry_delays_s=())
    found = await DiscoverSlis(PrometheusMetricCatalog(telemetry), TickingClock(END * 1000),
                               SliDiscoveryOptions(DAY, 4, 60.0)).discover(["both"])
    await telemetry.close()
    both = found.candidates["both"]
    assert [c.convention for c in both] == ["prometheus_http", "otel_http_server"]
    assert [c.evidence.traffic_share for c in both] == [0.5, 0.5]


@pytest.fixture
def client(falkordb_server: ServerProcess, redis_server: ServerProcess,
           mixed_fleet: tuple[ServerProcess, FleetHistory], tmp_path: Path,
           identity_provider: LocalIdentityProvider) -> Iterator[TestClient]:
    settings = settings_for(falkordb_server, redis_server, tmp_path, mixed_fleet[0],
                            identity_provider)
    with serving(settings, {"source": "manual", **TOPOLOGY}, identity_provider) as served:
        yield served


def _slis(client: TestClient, service_id: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/sli", params={"service_id": service_id, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _source(client: TestClient, service_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/services/{service_id}/slo-recommendations",
                          params={"lookback_days": 7, "sli_type": "availability"})
    assert response.status_code == 200, response.text
    return {"sli_source": response.json()["sli_source"],
            "observed": response.json()["recommendations"][0]["observed"]}


def test_the_api_lists_candidates_with_evidence_and_pages_them(client: TestClient) -> None:
    listed = _slis(client, "both", include_evidence=True, limit=1)
    assert (listed["discovered"], listed["total"], listed["complete"]) == (True, 2, True)
    [first] = listed["items"]
    assert (first["convention"], first["status"]) == ("prometheus_http", "candidate")
    assert first["evidence"]["series_count"] == 2
    assert first["evidence"]["label_coverage"] == {"code": 1.0}
    assert len(first["evidence"]["samples"]) == 4
    assert first["queries"]["availability_total"] == (
        'sum(rate(http_requests_total{service="both"}[5m]))')
    again = _slis(client, "both", offset=1)
    assert (again["discovered"], [i["convention"] for i in again["items"]]) == (
        False, ["otel_http_server"])
    assert again["items"][0]["evidence"] is None


def test_only_an_approved_sli_feeds_the_recommendation(client: TestClient,
                                                       identity_provider: LocalIdentityProvider
                                                       ) -> None:
    before = _source(client, "envoy-cluster")
    assert before["sli_source"] == {"source": "configured_default"}
    assert before["observed"] is None  # no http_requests_total for it
    [candidate] = _slis(client, "envoy-cluster")["items"]
    response = client.patch(f"/api/v1/sli/{candidate['sli_id']}", json={"action": "approve"})
    assert response.status_code == 200, response.text
    assert response.json()["sli"]["status"] == "approved"
    assert response.json()["sli"]["approved_by"] == "jane@example.com"
    after = _source(client, "envoy-cluster")
    assert after["sli_source"] == {"source": "approved_sli", "sli_id": candidate["sli_id"],
                                   "convention": "envoy_cluster"}
    assert after["observed"] is not None
    history = client.get("/api/v1/services/envoy-cluster/slo-history").json()["events"]
    assert history[0]["action"] == "sli_approved"


def test_a_modified_sli_is_parsed_test_run_and_approved(client: TestClient) -> None:
    [candidate] = _slis(client, "prometheus-http")["items"]
    good = 'sum(rate(http_requests_total{service="prometheus-http", code!~"5.."}[5m]))'
    response = client.patch(f"/api/v1/sli/{candidate['sli_id']}", json={
        "action": "modify", "rationale": "only 5xx count",
        "total_query": 'sum(rate(http_requests_total{service="prometheus-http"}[5m]))',
        "good_query": good})
    assert response.status_code == 200, response.text
    sli = response.json()["sli"]
    assert (sli["convention"], sli["override"]["good_query"]) == ("override", good)
    assert sli["definition"]["code_label"] == "code"
    assert _source(client, "prometheus-http")["sli_source"]["convention"] == "override"


@pytest.mark.parametrize(("body", "pointer", "detail"), [
    ({"total_query": "sum(rate(http_requests_total{service=\"x\"}[5m])",
      "good_query": "x"}, "/total_query", "total_query is not valid PromQL: "),
    ({"total_query": 'sum(rate(nope_total{service="grpc-prometheus"}[5m]))',
      "good_query": 'sum(rate(nope_total{service="grpc-prometheus", code!~"5.."}[5m]))'},
     "/total_query", "total_query selects no series in the last 24 h: no series of "
     "nope_total at all."),
    ({"total_query": 'sum(rate(grpc_server_handled_total{service="grpc-prometheus"}[5m]))',
      "good_query": 'sum(rate(grpc_server_handled_total{service="grpc-prometheus", '
                    'grpc_code!~"Nope"}[5m]))'}, None, None),
    ({"total_query": 'sum(rate(http_requests_total{service="grpc-prometheus"}[5m]))',
      "good_query": 'sum(rate(http_requests_total{service="grpc-prometheus", '
                    'code!~"5.."}[5m]))'},
     "/total_query", "total_query selects no series in the last 24 h: "
     "http_requests_total has series, but none matching service='grpc-prometheus'."),
    ({"total_query": 'sum(rate(http_requests_total{job="x"}[5m]))',
      "good_query": 'sum(rate(http_requests_total{job="x", code!~"5.."}[5m]))'},
     "/total_query", "total_query must select grpc-prometheus's requests"),
    ({"good_query": "x"}, "/total_query", "modify needs total_query."),
])
def test_a_bad_override_is_422_naming_the_query_and_nothing_is_approved(
        client: TestClient, body: dict[str, Any], pointer: str | None,
        detail: str | None) -> None:
    [candidate] = _slis(client, "grpc-prometheus")["items"]
    response = client.patch(f"/api/v1/sli/{candidate['sli_id']}",
                            json={"action": "modify", **body})
    if pointer is None:  # a well-formed override of real series is approved
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"].startswith(detail)
    assert problem["errors"][0]["pointer"] == pointer
    assert _slis(client, "grpc-prometheus")["items"][0]["status"] == "candidate"


def test_approval_needs_a_person_and_unknown_slis_are_404(
        client: TestClient, identity_provider: LocalIdentityProvider) -> None:
    [candidate] = _slis(client, "span-metrics")["items"]
    viewer = bearer(identity_provider, "vic", ("viewer",))
    response = client.patch(f"/api/v1/sli/{candidate['sli_id']}", json={"action": "approve"},
                            headers=viewer)
    assert response.status_code == 403
    assert client.patch("/api/v1/sli/nope", json={"action": "approve"}).status_code == 404
    assert client.get("/api/v1/sli", params={"service_id": "ghost"}).status_code == 404
    # The body is checked before the SLI is read: a malformed one is a 422 for any id,
    # known or not.
    malformed = client.patch("/api/v1/sli/nope", json={"action": "modify", "good_query": "x"})
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["pointer"] == "/total_query"
