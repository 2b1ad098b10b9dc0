"""Background jobs in real `slo-engine worker` processes, over the session's real servers.

The API here runs in workers mode: it only enqueues, and the worker processes take the
jobs from Redis. The queues live in a Redis database of their own, so no other test's
jobs mix in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from rq.worker import Worker

from slo_engine.application.jobs import JobKind
from slo_engine.application.ports import RecommendationWindow
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess, free_port
from slo_engine.runtime.settings import Settings
from tests.conftest import settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import INGEST, admin_client, graph

QUEUE_DATABASE = 7
METRICS_PORTS = (free_port(), free_port())


@pytest.fixture(scope="module")
def worker_settings(falkordb_server: ServerProcess, redis_server: ServerProcess,
                    prometheus_server: ServerProcess, identity_provider: LocalIdentityProvider,
                    tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return settings_for(falkordb_server, redis_server, tmp_path_factory.mktemp("workers"),
                        prometheus_server, identity_provider, job_mode="workers",
                        job_retries=0, redis_url=f"{redis_server.url}/{QUEUE_DATABASE}",
                        regeneration_chunk_services=2)


@pytest.fixture(scope="module")
def workers(worker_settings: Settings) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two worker processes sharing the queues, as `slo-engine worker` runs them."""
    environment = {**os.environ, "FALKORDB_URL": str(worker_settings.falkordb_url),
                   "REDIS_URL": str(worker_settings.redis_url),
                   "PROMETHEUS_URL": str(worker_settings.prometheus_url),
                   "SLO_ENGINE_FALKORDB_GRAPH": worker_settings.falkordb_graph,
                   "SLO_ENGINE_STATE_DIR": str(worker_settings.state_dir),
                   "SLO_ENGINE_JOB_RETRIES": "0", "SLO_ENGINE_LOG_FORMAT": "text"}
    log = (worker_settings.state_dir / "workers.log").open("wb")
    processes = [subprocess.Popen([sys.executable, "-m", "slo_engine.cli", "worker", "--name",
                                   f"test-worker-{k}-{uuid.uuid4().hex[:6]}"],
                                  env={**environment, "SLO_ENGINE_WORKER_METRICS_PORT":
                                       str(METRICS_PORTS[k])},
                                  stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=subprocess.STDOUT) for k in range(2)]
    connection = redis.Redis.from_url(str(worker_settings.redis_url))
    deadline = time.monotonic() + 60
    while Worker.count(connection=connection) < len(processes):
        assert all(p.poll() is None for p in processes), _log(worker_settings.state_dir)
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.1)
    yield processes
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)
    log.close()
    connection.close()


def _log(state_dir: Path) -> str:
    return (state_dir / "workers.log").read_text(errors="replace")[-3000:]


@pytest.fixture
def api(worker_settings: Settings, workers: list[subprocess.Popen[bytes]],
        identity_provider: LocalIdentityProvider) -> Iterator[tuple[TestClient, Container]]:
    container = bootstrap(worker_settings)
    with admin_client(container, identity_provider) as client:
        yield client, container
    container.close()


def _until(read: Any, done: Any, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"still {value}"
        time.sleep(0.1)


def test_an_ingestion_is_merged_at_once_and_analysed_by_a_worker(
        api: tuple[TestClient, Container]) -> None:
    client, _ = api
    cycle = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
    accepted = client.post(INGEST, json=graph("manual", cycle)).json()
    status = _until(lambda: client.get(accepted["status_url"]).json(),
                    lambda s: s["status"] != "processing")
    assert status["status"] == "completed"
    assert status["result"]["edges_upserted"] == 4
    assert status["result"]["cycles"]["total"] == 1
    assert status["result"]["cycles"]["new"][0]["members"] == 3
    job = client.get(f"/api/v1/jobs/analyse_graph-{accepted['ingestion_id']}").json()
    assert job["status"] == "finished"
    assert job["result"]["cycles"]["total"] == 1
    alerts = client.get("/api/v1/graph/cycles").json()["items"]
    assert [sorted(a["members"]) for a in alerts] == [["a", "b", "c"]]


def test_a_fleet_regeneration_is_shared_by_the_workers_and_reports_progress(
        api: tuple[TestClient, Container]) -> None:
    client, container = api
    edges = [(f"svc-{k}", f"svc-{k + 1}") for k in range(5)]
    client.post(INGEST, json=graph("manual", edges))
    started = client.post("/api/v1/jobs", json={"kind": "regenerate_recommendations"})
    assert started.status_code == 202, started.text
    assert started.headers["location"] == started.json()["status_url"]
    state = _until(lambda: client.get(started.json()["status_url"]).json(),
                   lambda s: s["status"] in ("finished", "failed"))
    services = sorted(s["service_id"] for s in container.snapshots.current().services.values())
    assert state["status"] == "finished", state
    assert state["progress"] == {"done": len(services), "total": len(services), "failed": 0}
    assert state["parts"] == {"finished": -(-len(services) // 2)}  # chunks of two
    for service_id in services:
        stored = container.graph.latest_recommendation(service_id,
                                                       RecommendationWindow("all", 30, 30))
        assert stored is not None, service_id
    workers_used = {row["worker_name"] for row in _chunk_workers(container, state["job_id"])}
    assert len(workers_used) == 2


def test_a_drift_sweep_is_planned_by_one_worker_and_judged_in_chunks(
        api: tuple[TestClient, Container]) -> None:
    # What the sweep decides is AC-009's test (test_drift_detection); here: the path
    # through the scheduler's job, the chunk jobs and their combined state.
    client, container = api
    client.post(INGEST, json=graph("manual", [("edge-a", "edge-b")]))
    started = client.post("/api/v1/jobs", json={"kind": "detect_drift"})
    assert started.status_code == 202, started.text
    planned = _until(lambda: client.get(started.json()["status_url"]).json(),
                     lambda s: s["status"] in ("finished", "failed"))
    assert planned["status"] == "finished", planned
    sweep = _until(lambda: client.get(
        f"/api/v1/jobs/{planned['result']['sweep_job_id']}").json(),
                   lambda s: s["status"] in ("finished", "failed"))
    assert sweep["status"] == "finished", sweep
    assert sweep["kind"] == "detect_drift"
    assert sweep["parts"] == {"finished": 1}  # up to 250 services per chunk
    from rq.group import Group
    [chunk] = Group.fetch(sweep["job_id"], container.redis).get_jobs()
    internal = [s for s, row in container.snapshots.current().services.items()
                if row.get("service_type") != "external"]
    assert chunk.return_value()["services"] == len(internal)
    assert chunk.return_value()["drifts"] == {}


def _chunk_workers(container: Container, group_id: str) -> list[dict[str, Any]]:
    from rq.group import Group
    return [{"worker_name": job.worker_name}
            for job in Group.fetch(group_id, container.redis).get_jobs()]


def test_a_failing_job_lands_in_the_failed_registry_with_its_error(
        api: tuple[TestClient, Container]) -> None:
    client, container = api
    job_id = container.jobs.enqueue(JobKind.ANALYSE_GRAPH, {"ingestion_id": "never-existed"})
    state = _until(lambda: client.get(f"/api/v1/jobs/{job_id}").json(),
                   lambda s: s["status"] in ("finished", "failed"))
    assert state["status"] == "failed"
    assert "Ingestion 'never-existed' does not exist" in state["error"]
    failed = client.get("/api/v1/jobs/failed").json()["items"]
    assert job_id in [item["job_id"] for item in failed]


def test_an_unknown_job_is_a_404_problem(api: tuple[TestClient, Container]) -> None:
    client, _ = api
    response = client.get("/api/v1/jobs/no-such-job")
    assert response.status_code == 404
    assert response.json()["detail"] == "Job 'no-such-job' does not exist."


def test_regenerating_unknown_services_is_refused_before_anything_is_enqueued(
        api: tuple[TestClient, Container]) -> None:
    client, _ = api
    response = client.post("/api/v1/jobs", json={"kind": "regenerate_recommendations",
                                                 "service_ids": ["not-in-the-graph"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/service_ids"


def test_each_worker_serves_its_own_metrics(workers: list[subprocess.Popen[bytes]]) -> None:
    for port in METRICS_PORTS:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        assert "slo_engine_batch_aggregation_duration_seconds_count 0.0" in text
        assert "# TYPE slo_engine_prometheus_query_duration_seconds histogram" in text
