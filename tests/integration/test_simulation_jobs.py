"""Long simulations as jobs in real `slo-engine worker` processes (issue 19 item 4), over
the session's FalkorDB and Redis and a Prometheus holding two weeks of history up to now
(workers run on the system clock). The API here only enqueues: its threshold is 0, so
every simulation it estimates is queued. Each group of workers has a Redis database of
its own, so no other test's jobs mix in."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
from fastapi.testclient import TestClient
from rq.worker import Worker

from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.processes import ServerProcess
from slo_engine.runtime.settings import Settings
from tests.conftest import settings_for
from tests.fakes_telemetry import ServiceSeries
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import INGEST, admin_client, graph
from tests.prometheus_history import prometheus_holding
from tests.telemetry_history import write_series

STEP = 300
DAYS = 15
OUTAGE_STEPS = 20  # every request fails for 20 steps, three days before the end
BODY = {"targets": {"availability": 99}, "period_days": 7, "historical_window_days": 14,
        "iterations": 300, "seed": 3}
PATH = "/api/v1/services/svc/slos/simulate"


@pytest.fixture(scope="module")
def recent_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("recent")
    end = int(time.time()) // STEP * STEP
    steps = DAYS * 288
    failures = np.zeros(steps)
    failures[steps - 3 * 288:steps - 3 * 288 + OUTAGE_STEPS] = 100.0
    series = ServiceSeries.counting(end - steps * STEP, STEP, np.full(steps, 100.0), failures)
    write_series(directory / "recent.om", {"svc": series})
    with prometheus_holding([directory / "recent.om"], directory / "data") as server:
        yield server


def _settings(falkordb: ServerProcess, redis_server: ServerProcess, prometheus: ServerProcess,
              identity: LocalIdentityProvider, state: Path, database: int) -> Settings:
    return settings_for(falkordb, redis_server, state, prometheus, identity, job_mode="workers",
                        job_retries=0, redis_url=f"{redis_server.url}/{database}",
                        simulation_queue_above_seconds=0.0)


def _workers(settings: Settings, limit_s: float) -> Iterator[subprocess.Popen[bytes]]:
    environment = {**os.environ, "FALKORDB_URL": str(settings.falkordb_url),
                   "REDIS_URL": str(settings.redis_url),
                   "PROMETHEUS_URL": str(settings.prometheus_url),
                   "SLO_ENGINE_FALKORDB_GRAPH": settings.falkordb_graph,
                   "SLO_ENGINE_STATE_DIR": str(settings.state_dir),
                   "SLO_ENGINE_JOB_RETRIES": "0", "SLO_ENGINE_LOG_FORMAT": "text",
                   "SLO_ENGINE_SIMULATION_TIME_LIMIT_SECONDS": str(limit_s)}
    log = (settings.state_dir / "worker.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "slo_engine.cli", "worker", "--name",
                                f"simulation-worker-{uuid.uuid4().hex[:6]}"], env=environment,
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    connection = redis.Redis.from_url(str(settings.redis_url))
    deadline = time.monotonic() + 60
    while Worker.count(connection=connection) < 1:
        assert process.poll() is None, (settings.state_dir / "worker.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.1)
    yield process
    process.terminate()
    process.wait(timeout=30)
    log.close()
    connection.close()


def _api(settings: Settings, identity: LocalIdentityProvider) -> Iterator[TestClient]:
    container = bootstrap(settings)
    with admin_client(container, identity) as client:
        assert client.post(INGEST, json=graph("manual", [], nodes=["svc"])).status_code == 202
        yield client
    container.close()


@pytest.fixture(scope="module")
def api(falkordb_server: ServerProcess, redis_server: ServerProcess,
        recent_prometheus: ServerProcess, identity_provider: LocalIdentityProvider,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = _settings(falkordb_server, redis_server, recent_prometheus, identity_provider,
                         tmp_path_factory.mktemp("simulation-workers"), database=8)
    for _worker in _workers(settings, limit_s=120):
        yield from _api(settings, identity_provider)


@pytest.fixture(scope="module")
def hasty_api(falkordb_server: ServerProcess, redis_server: ServerProcess,
              recent_prometheus: ServerProcess, identity_provider: LocalIdentityProvider,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Its worker gives every simulation a millisecond."""
    settings = _settings(falkordb_server, redis_server, recent_prometheus, identity_provider,
                         tmp_path_factory.mktemp("hasty-workers"), database=9)
    for _worker in _workers(settings, limit_s=0.001):
        yield from _api(settings, identity_provider)


def _ended(client: TestClient, status_url: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        state: dict[str, Any] = client.get(status_url).json()
        if state["status"] in ("finished", "failed"):
            return state
        assert time.monotonic() < deadline, f"still {state}"
        time.sleep(0.1)


def test_a_simulation_above_the_threshold_runs_in_a_worker_and_is_stored(
        api: TestClient) -> None:
    response = api.post(PATH, json=BODY)
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert response.headers["location"] == accepted["status_url"]
    assert accepted["estimated_seconds"] > accepted["queue_above_seconds"] == 0.0
    job = _ended(api, accepted["status_url"])
    assert job["status"] == "finished", job
    assert job["kind"] == "simulate_slo"
    assert job["progress"] == {"done": 2, "total": 2, "failed": 0}
    assert job["result"]["simulation_url"] == accepted["simulation_url"]
    stored = api.get(accepted["simulation_url"]).json()
    assert (stored["run_mode"], stored["content_intact"]) == ("queued", True)
    assert stored["content_hash"] == job["result"]["content_hash"]
    availability = stored["document"]["slis"][0]
    # the outage fails 2,000 of a week's 201,600 requests: under the 1% budget (2,016)
    rolling = availability["backtest"]["rolling"]
    assert (rolling["periods_total"], rolling["periods_breached"]) == (8, 0)
    assert availability["monte_carlo"]["iterations"] == 300
    listed = api.get("/api/v1/services/svc/simulations").json()["items"]
    assert accepted["simulation_id"] in [item["simulation_id"] for item in listed]


def test_a_queued_what_if_alone_is_answered_by_the_worker(api: TestClient) -> None:
    accepted = api.post(PATH, json={"what_if": {"deploy": {"at": _days_ago(3.5)}}}).json()
    job = _ended(api, accepted["status_url"])
    assert job["status"] == "finished", job
    assert job["progress"] == {"done": 2, "total": 2, "failed": 0}
    document = api.get(accepted["simulation_url"]).json()["document"]
    assert document["slis"] == []
    deploy = document["what_if"]["deploy"]
    assert deploy["after"]["error_ratio"] > deploy["before"]["error_ratio"] == 0.0
    assert deploy["error_ratio_change"]["significant"] is False  # one outage, not a trend


def test_a_queued_simulation_that_cannot_be_answered_fails_its_job_saying_why(
        api: TestClient) -> None:
    """svc has no request-duration histogram: found only once the worker reads it."""
    accepted = api.post(PATH, json={**BODY, "targets": {"latency": [
        {"percentile": 99, "threshold_ms": 300}]}}).json()
    job = _ended(api, accepted["status_url"])
    assert job["status"] == "failed"
    assert "no request-duration histogram" in job["error"]
    assert api.get(accepted["simulation_url"]).status_code == 404


def test_a_queued_simulation_past_its_time_limit_fails_its_job_and_stores_nothing(
        hasty_api: TestClient) -> None:
    accepted = hasty_api.post(PATH, json=BODY).json()
    job = _ended(hasty_api, accepted["status_url"])
    assert job["status"] == "failed"
    assert "SimulationTimedOut" in job["error"]
    assert "did not finish within its 0.001 s limit" in job["error"]
    assert hasty_api.get(accepted["simulation_url"]).status_code == 404


def test_bad_input_is_refused_before_anything_is_queued(api: TestClient) -> None:
    for body, status in (({**BODY, "historical_window_days": 5}, 422),
                         ({**BODY, "targets": None, "slo_id": "none"}, 404)):
        assert api.post(PATH, json=body).status_code == status
    assert api.post("/api/v1/services/ghost/slos/simulate", json=BODY).status_code == 404


def _days_ago(days: float) -> str:
    moment = (time.time() // 3600 - days * 24) * 3600
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))
