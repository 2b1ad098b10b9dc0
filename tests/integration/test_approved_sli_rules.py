"""An approved SLI feeds the generated rules (issue 20 item 4): a service publishing only
go-grpc-prometheus's families gets rules over `grpc_server_handled_total{grpc_code}` and
`grpc_server_handling_seconds_bucket` once a person approves that candidate, through the
API and through the GitOps files a separate process lays out; the rules' recording
expressions, evaluated by the real Prometheus, read the service's own series."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import yaml
from fastapi.testclient import TestClient

from slo_engine.adapters.promtool import Promtool
from slo_engine.application.slo_rule_files import RuleFormat
from slo_engine.domain.sli_conventions import GRPC_SERVER_FAILURES
from slo_engine.fleet.lognormal import lognormal_cdf
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet
from slo_engine.runtime.bootstrap import bootstrap, gitops_files
from slo_engine.runtime.processes import ServerProcess
from slo_engine.runtime.settings import Settings
from tests.conftest import SettableClock, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, ingest
from tests.integration.test_slo_lifecycle_api import decide, recommendation
from tests.prometheus_history import prometheus_holding

END = int(time.time()) // 300 * 300
TOPOLOGY = {"source": "manual", "nodes": [{"service_id": "orders",
                                           "metadata": {"team": "shop"}}, {"service_id": "web"}],
            "edges": [{"source": "web", "target": "orders"}]}
GRPC_FAILED = f'grpc_server_handled_total{{service="orders", grpc_code=~"{GRPC_SERVER_FAILURES}"}}'


@pytest.fixture(scope="module")
def grpc_fleet(tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[ServerProcess, FleetHistory]]:
    directory = tmp_path_factory.mktemp("grpc-fleet")
    history = simulate_fleet(TOPOLOGY, days=3, end_s=END, seed=23)
    write_openmetrics(history, directory / "fleet.om",
                      conventions={"orders": "grpc_prometheus"})
    with prometheus_holding([directory / "fleet.om"], directory / "data") as server:
        yield server, history


@pytest.fixture
def engine(falkordb_server: ServerProcess, redis_server: ServerProcess,
           grpc_fleet: tuple[ServerProcess, FleetHistory], tmp_path: Path,
           identity_provider: LocalIdentityProvider) -> Iterator[tuple[TestClient, Settings]]:
    settings = settings_for(falkordb_server, redis_server, tmp_path, grpc_fleet[0],
                            identity_provider)
    clock = SettableClock()
    clock.now = END * 1000
    container = bootstrap(settings, clock)
    with admin_client(container, identity_provider) as client:
        ingest(client, TOPOLOGY)
        yield client, settings
    container.close()


def _approve_grpc_candidate(client: TestClient) -> str:
    listed = client.get("/api/v1/sli", params={"service_id": "orders"})
    assert listed.status_code == 200, listed.text
    [candidate] = listed.json()["items"]
    assert candidate["convention"] == "grpc_prometheus"
    approved = client.patch(f"/api/v1/sli/{candidate['sli_id']}", json={"action": "approve"})
    assert approved.status_code == 200, approved.text
    return str(candidate["sli_id"])


def _activate(client: TestClient) -> dict[str, Any]:
    rec = recommendation(client, "orders", lookback_days=7)
    assert rec["sli_source"]["convention"] == "grpc_prometheus"
    # Targets a person sets: three days of history make thin tiers; the rules are the point.
    accepted = decide(client, "orders", recommendation_id=rec["recommendation_id"],
                      action="modify", rationale="rules over the approved SLI",
                      modifications={"availability_target": 99.5,
                                     "latency_p99_target_ms": 100})
    assert accepted.status_code == 201, accepted.text
    slo: dict[str, Any] = accepted.json()
    return slo


def _rules(text: str) -> dict[str, str]:
    """record -> expr of the recording rules tagged with the availability or latency SLI."""
    return {f"{r['labels']['sloth_slo']} {r['record']}": r["expr"]
            for group in yaml.safe_load(text)["groups"] for r in group["rules"]
            if "record" in r and r["record"].startswith("slo:sli_error:")}


def _instant(server: ServerProcess, query: str) -> float:
    answer = httpx.get(f"{server.url}/api/v1/query", params={"query": query, "time": END})
    [series] = answer.json()["data"]["result"]
    return float(series["value"][1])


def _hour_error_ratio(history: FleetHistory, service: str) -> float:
    """Failed over all requests of the last hour (12 intervals of 5 minutes: Prometheus
    2.x's [1h] holds the sample an hour before as well)."""
    i = history.index(service)
    return float(np.sum(history.failures[i][-12:]) / np.sum(history.requests[i][-12:]))


def _hour_share_slower_than(history: FleetHistory, service: str, seconds: float) -> float:
    """The last hour's share of requests slower than `seconds`, from the simulated latency
    distribution (the histogram's buckets round it to whole requests)."""
    i = history.index(service)
    requests = history.requests[i][-12:]
    within = lognormal_cdf(seconds, history.latency_median_s[i][-12:],
                           float(history.latency_sigma[i]))
    return float(1 - np.sum(requests * within) / np.sum(requests))


def test_the_rules_of_an_approved_grpc_sli_read_its_own_series(
        engine: tuple[TestClient, Settings],
        grpc_fleet: tuple[ServerProcess, FleetHistory]) -> None:
    client, _ = engine
    server, history = grpc_fleet
    _approve_grpc_candidate(client)
    _activate(client)
    response = client.get("/api/v1/services/orders/slos/alerts")
    assert response.status_code == 200, response.text
    assert "http_requests_total" not in response.text
    assert "http_request_duration_seconds" not in response.text
    rules = _rules(response.text)
    availability = rules["availability slo:sli_error:ratio_rate1h"]
    assert availability == (f"(sum(rate({GRPC_FAILED}[1h])) or vector(0))\n/\n"
                            'sum(rate(grpc_server_handled_total{service="orders"}[1h]))')
    assert "grpc_server_handling_seconds_bucket{" in rules["latency-p99 slo:sli_error:ratio_rate1h"]
    assert _instant(server, availability) == pytest.approx(
        _hour_error_ratio(history, "orders"), rel=1e-9)
    assert _instant(server, rules["latency-p99 slo:sli_error:ratio_rate1h"]) == pytest.approx(
        _hour_share_slower_than(history, "orders", 0.1), abs=1e-4)
    verdict = Promtool().check_rules({"rules.yaml": response.text})
    assert verdict.passed, verdict.output


def test_the_gitops_files_of_another_process_use_the_approved_sli(
        engine: tuple[TestClient, Settings]) -> None:
    client, settings = engine
    _approve_grpc_candidate(client)
    _activate(client)
    with gitops_files(settings) as files:
        laid_out = files.lay_out()
    assert [path for path, text in laid_out.files.items()
            if "http_requests_total" in text or "http_request_duration" in text] == []
    recorded = _rules(laid_out.files["prometheus/rules/recording/shop.yaml"])
    assert recorded["availability slo:sli_error:ratio_rate1h"].startswith(
        f"(sum(rate({GRPC_FAILED}[1h]))")
    assert "grpc_server_handling_seconds_bucket{" in recorded[
        "latency-p99 slo:sli_error:ratio_rate1h"]


def test_a_replica_that_loaded_the_graph_before_the_approval_renders_the_approved_sli(
        engine: tuple[TestClient, Settings]) -> None:
    client, settings = engine
    replica = bootstrap(settings, SettableClock())  # another API process of the same engine
    try:
        replica.snapshots.current()
        _approve_grpc_candidate(client)
        _activate(client)
        rendered = replica.rule_files.render("orders", RuleFormat.PROMETHEUS)
    finally:
        replica.close()
    assert "http_requests_total" not in rendered.text
    assert _rules(rendered.text)["availability slo:sli_error:ratio_rate1h"].startswith(
        f"(sum(rate({GRPC_FAILED}[1h]))")
