"""Hourly SLI aggregation over a real Prometheus, through the jobs API (inline job mode).

History (5-minute samples, 10 days to END): `api` serves 10 requests/s, 0.1% failing
until three days before END and 1% after; its latency histogram puts 50% of requests
under 100 ms, 90% under 250 ms, 99% under 500 ms and all under 1 s. `web` serves 2
requests/s without failures or a histogram. `idle` has no metrics at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import SettableClock, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest
from tests.prometheus_history import prometheus_holding

STEP_S = 300
DAYS = 10
END = int(time.time()) // 3600 * 3600
CHANGE = END - 3 * 86_400
BUCKETS = {"0.1": 0.5, "0.25": 0.9, "0.5": 0.99, "1.0": 1.0, "+Inf": 1.0}


def _cumulative_failures(t: int, start: int) -> float:
    before = min(t, CHANGE) - start
    after = max(t - CHANGE, 0)
    return 10 * (0.001 * before + 0.01 * after)


def write_history(path: Path) -> None:
    start = END - DAYS * 86_400
    lines = ["# TYPE http_requests counter", "# TYPE http_request_duration_seconds histogram"]
    for t in range(start, END + 1, STEP_S):
        elapsed = t - start
        failed = _cumulative_failures(t, start)
        lines += [f'http_requests_total{{service="api",code="200"}} {10 * elapsed - failed} {t}',
                  f'http_requests_total{{service="api",code="500"}} {failed} {t}',
                  f'http_requests_total{{service="web",code="200"}} {2 * elapsed} {t}']
        lines += [f'http_request_duration_seconds_bucket{{service="api",le="{le}"}} '
                  f"{share * 10 * elapsed} {t}" for le, share in BUCKETS.items()]
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def history_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("aggregation")
    write_history(directory / "history.om")
    with prometheus_holding([directory / "history.om"], directory / "data") as server:
        yield server


@pytest.fixture
def api(falkordb_server: ServerProcess, redis_server: ServerProcess,
        history_prometheus: ServerProcess, tmp_path: Path, clock: SettableClock,
        identity_provider: LocalIdentityProvider) -> Iterator[tuple[TestClient, Container]]:
    clock.now = END * 1000
    container = bootstrap(settings_for(falkordb_server, redis_server, tmp_path,
                                       history_prometheus, identity_provider), clock)
    with admin_client(container, identity_provider) as client:
        ingest(client, graph("manual", [("web", "api")], nodes=["idle"]))
        yield client, container
    container.close()


def aggregate(client: TestClient) -> dict[str, Any]:
    started = client.post("/api/v1/jobs", json={"kind": "aggregate_slis"})
    assert started.status_code == 202, started.text
    state: dict[str, Any] = client.get(started.json()["status_url"]).json()
    assert state["status"] == "finished", state  # inline: done before the answer
    return state


def test_every_window_of_every_service_with_traffic_is_stored(
        api: tuple[TestClient, Container]) -> None:
    client, _ = api
    result = aggregate(client)["result"]
    assert result["services"] == 3
    assert result["services_with_traffic"] == 2
    assert result["aggregates_stored"] == 8  # two services x four windows
    detail = client.get("/api/v1/services/api").json()["sli_aggregates"]
    assert sorted(detail) == ["1d", "1h", "28d", "7d"]
    hour = detail["1h"]
    assert hour["requests"] == pytest.approx(36_000, rel=1e-6)
    assert hour["request_rate_per_second"] == pytest.approx(10, rel=1e-6)
    assert hour["error_rate"] == pytest.approx(1.0, rel=1e-4)
    assert hour["availability"] == pytest.approx(99.0, rel=1e-6)
    assert hour["latency_p50_ms"] == pytest.approx(100, rel=1e-6)
    assert hour["latency_p95_ms"] == pytest.approx(250 + 250 * 5 / 9, rel=1e-6)
    assert hour["latency_p99_ms"] == pytest.approx(500, rel=1e-6)
    # the 28-day window holds all ten days: 7 at 0.1% and 3 at 1%
    assert detail["28d"]["error_rate"] == pytest.approx((7 * 0.1 + 3 * 1.0) / 10, rel=1e-3)
    web = client.get("/api/v1/services/web").json()["sli_aggregates"]["1d"]
    assert (web["error_rate"], web["latency_p99_ms"]) == (0.0, None)
    assert web["request_rate_per_second"] == pytest.approx(2, rel=1e-6)
    assert client.get("/api/v1/services/idle").json()["sli_aggregates"] == {}


def test_a_recommendation_whose_inputs_moved_is_marked_stale_and_regenerated(
        api: tuple[TestClient, Container], clock: SettableClock) -> None:
    client, container = api
    clock.now = (CHANGE - 3600) * 1000  # an hour before failures rose
    before = client.get("/api/v1/services/api/slo-recommendations",
                        params={"lookback_days": 7}).json()
    first = aggregate(client)["result"]
    assert first["stale_services"] == 0  # the baseline is taken now
    clock.now = END * 1000
    second = aggregate(client)["result"]
    assert second["stale_services"] == 1
    # seven days: four at 0.1% and three at 1%
    assert second["stale_examples"] == {
        "api": "error ratio moved from 0.1000% to 0.4857% over 7d"}
    regeneration = client.get(f"/api/v1/jobs/{second['regeneration_job_id']}").json()
    assert regeneration["status"] == "finished"
    assert regeneration["progress"] == {"done": 1, "total": 1, "failed": 0}
    after = client.get("/api/v1/services/api/slo-recommendations",
                       params={"lookback_days": 7}).json()
    assert after["cached"] is False  # the stale one's cache entry is gone
    assert after["recommendation_id"] != before["recommendation_id"]
    stale = container.sli_aggregates.active_recommendation_baselines()
    assert "api" in {row["service_id"] for row in stale}  # the fresh ones await a baseline
    third = aggregate(client)["result"]
    assert third["stale_services"] == 0
