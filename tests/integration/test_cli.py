"""The command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from slo_engine.cli import app
from slo_engine.runtime.bootstrap import Container
from slo_engine.runtime.processes import free_port
from slo_engine.runtime.server import api_on_thread

SLO_ENGINE = [sys.executable, "-m", "slo_engine.cli"]


def test_ingest_posts_a_file_and_prints_the_finished_ingestion(
    container: Container, tmp_path: Path
) -> None:
    file = tmp_path / "graph.json"
    file.write_text(json.dumps({"source": "manual", "edges": [
        {"source": "a", "target": "b"}, {"source": "b", "target": "a"}]}))
    with api_on_thread(container) as api:
        result = CliRunner().invoke(app, ["ingest", str(file), "--api", api.base_url,
                                          "--api-key", api.api_key])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["status"] == "completed"
    assert status["result"]["cycles"]["new"][0]["cycle_path"] == ["a", "b", "a"]


def test_ingest_shows_the_problem_when_the_file_is_invalid(
    container: Container, tmp_path: Path
) -> None:
    file = tmp_path / "graph.json"
    file.write_text(json.dumps({"source": "manual", "edges": [{"source": "a", "target": "a"}]}))
    with api_on_thread(container) as api:
        result = CliRunner().invoke(app, ["ingest", str(file), "--api", api.base_url,
                                          "--api-key", api.api_key])
    assert result.exit_code == 1
    assert "depends on itself" in result.output


def test_ingest_says_how_to_start_the_api_when_none_answers(tmp_path: Path) -> None:
    file = tmp_path / "graph.json"
    file.write_text("{}")
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["ingest", str(file), "--api", url])
    assert result.exit_code == 2
    assert "start it with `make run`" in result.output


def _demo_key(server: subprocess.Popen[bytes]) -> str:
    """The demo prints its first admin key on stderr before it starts serving."""
    assert server.stderr is not None
    for line in iter(server.stderr.readline, b""):
        if b"X-API-Key:" in line:
            return line.decode().split("X-API-Key:")[1].strip()
    raise AssertionError("serve --demo printed no API key")


def _slow_ingestion(base: str, key: str, release: threading.Event,
                    answers: list[httpx.Response]) -> None:
    """Sends the headers and half the body, waits for `release`, then the rest."""
    body = json.dumps({"source": "manual", "edges": [
        {"source": "drain-a", "target": "drain-b"}]}).encode()

    def chunks() -> Iterator[bytes]:
        yield body[:20]
        release.wait(30)
        yield body[20:]

    answers.append(httpx.post(f"{base}/api/v1/services/dependencies", content=chunks(),
                              headers={"X-API-Key": key, "content-type": "application/json",
                                       "content-length": str(len(body))}, timeout=60))


def test_serve_with_the_demo_answers_then_drains_and_stops_its_servers_on_sigterm(
        tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SLO_ENGINE_STATE_DIR": str(tmp_path)}
    for name in ("FALKORDB_URL", "REDIS_URL", "NEO4J_URI"):
        env.pop(name, None)
    server = subprocess.Popen([*SLO_ENGINE, "serve", "--demo", "--demo-days", "2",
                               "--port", str(port), "--workers", "1", "--scheduler"],
                              env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    release, answers = threading.Event(), []  # type: ignore[var-annotated]
    try:
        key = _demo_key(server)
        base = f"http://127.0.0.1:{port}"
        _wait_until_ready(server, base)
        api = httpx.Client(base_url=base, headers={"X-API-Key": key})
        assert httpx.get(f"{base}/api/v1/services").status_code == 401
        services = api.get("/api/v1/services", params={"limit": 1000}).json()["items"]
        assert len(services) == 42
        checkout = api.get("/api/v1/services/checkout-service/dependencies",
                           params={"direction": "downstream", "depth": 3}).json()
        assert "stripe-api" in {n["service_id"] for n in checkout["nodes"]}
        cycles = api.get("/api/v1/graph/cycles").json()["items"]
        assert [c["members"] for c in cycles] == [["inventory-service", "pricing-service"]]
        token = subprocess.run([*SLO_ENGINE, "demo-token", "--subject", "jane@example.com",
                                "--role", "sre_admin"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
        person = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                              timeout=60)
        recommendation = person.get("/api/v1/services/checkout-service/slo-recommendations",
                                    params={"sli_type": "availability"}).json()
        accepted = person.post("/api/v1/services/checkout-service/slos", json={
            "recommendation_id": recommendation["recommendation_id"], "action": "accept"})
        assert accepted.status_code == 201, accepted.text
        history = api.get("/api/v1/services/checkout-service/slo-history").json()["events"]
        assert history[0]["actor"] == "jane@example.com"
        ready = api.get("/api/v1/health/ready").json()
        assert ready["checks"]["prometheus"]["status"] == "ok"
        assert (tmp_path / "demo-history.json").exists()
        _regenerate_two_services_in_the_worker(api)
        _aggregates_from_the_scheduled_run(api)
        assert api.get("/api/v1/health/ready").json()["background_workers"] == 1
        pids = [int((tmp_path / d / "server.pid").read_text())
                for d in ("falkordb", "redis", "prometheus")] + _worker_pids(server.pid)
        assert len(pids) == 5  # three servers, the worker and the scheduler
        sender = threading.Thread(target=_slow_ingestion, args=(base, key, release, answers))
        sender.start()
        time.sleep(0.5)  # the request's headers are in: it is in flight
    finally:
        server.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        release.set()
        server.wait(timeout=30)
    sender.join(timeout=30)
    assert [a.status_code for a in answers] == [202]  # drained, not cut off
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def _finished_job(api: httpx.Client, status_url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        state: dict[str, Any] = api.get(status_url).json()
        if state["status"] in ("finished", "failed"):
            assert state["status"] == "finished", state
            return state
        assert time.monotonic() < deadline, f"the job did not finish: {state}"
        time.sleep(1)


def _worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children
            if {b"worker", b"scheduler"} & set(Path(f"/proc/{pid}/cmdline").read_bytes()
                                               .split(b"\0"))]


def _aggregates_from_the_scheduled_run(api: httpx.Client) -> None:
    """The scheduler enqueues the hourly aggregation once at start."""
    deadline = time.monotonic() + 60
    while not (aggregates := api.get("/api/v1/services/checkout-service").json()
               ["sli_aggregates"]):
        assert time.monotonic() < deadline, "no aggregation ran"
        time.sleep(1)
    assert sorted(aggregates) == ["1d", "1h", "28d", "7d"]
    assert 90 < aggregates["1d"]["availability"] <= 100


def _wait_until_ready(server: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, "serve exited at start-up"
        try:
            if httpx.get(f"{base}/api/v1/health/ready").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "serve did not become ready"
        time.sleep(0.1)


def _regenerate_two_services_in_the_worker(api: httpx.Client) -> None:
    job = api.post("/api/v1/jobs", json={"kind": "regenerate_recommendations",
                                         "service_ids": ["cart-service", "search-service"]})
    assert job.status_code == 202, job.text
    state = _finished_job(api, job.json()["status_url"])
    assert state["progress"] == {"done": 2, "total": 2, "failed": 0}
    assert state["parts"] == {"finished": 1}


def test_apikey_import_registers_the_key_once_and_never_prints_it(
        falkordb_server: Any, tmp_path: Path) -> None:
    from slo_engine.runtime.bootstrap import api_key_registry
    from slo_engine.runtime.settings import Settings

    key = f"sloe_0123456789ab_{'k' * 48}"
    graph = f"test-import-{time.time_ns()}"
    environment = {"FALKORDB_URL": falkordb_server.url, "SLO_ENGINE_FALKORDB_GRAPH": graph,
                   "SLO_ENGINE_STATE_DIR": str(tmp_path),
                   "SLO_ENGINE_API_KEY_BCRYPT_ROUNDS": "4",
                   "SLO_ENGINE_BOOTSTRAP_API_KEY": key}
    command = ["apikey", "import", "--name", "helm-bootstrap", "--role", "sre_admin"]
    first = CliRunner().invoke(app, command, env=environment)
    again = CliRunner().invoke(app, command, env=environment)
    assert (first.exit_code, json.loads(first.output)) == (
        0, {"key_id": "0123456789ab", "registered": True})
    assert (again.exit_code, json.loads(again.output)) == (
        0, {"key_id": "0123456789ab", "registered": False})
    assert "k" * 48 not in first.output + again.output
    settings = Settings(falkordb_url=falkordb_server.url, falkordb_graph=graph,
                        state_dir=tmp_path)
    with api_key_registry(settings) as keys:
        principal = keys.verify(key)
        assert [r.name for r in keys.list_keys()] == ["helm-bootstrap"]
    assert (principal.subject, principal.role.value) == ("api-key:0123456789ab", "sre_admin")


def test_apikey_import_refuses_text_that_is_not_a_key(
        falkordb_server: Any, tmp_path: Path) -> None:
    environment = {"FALKORDB_URL": falkordb_server.url,
                   "SLO_ENGINE_FALKORDB_GRAPH": f"test-import-{time.time_ns()}",
                   "SLO_ENGINE_STATE_DIR": str(tmp_path),
                   "SLO_ENGINE_BOOTSTRAP_API_KEY": "hunter2"}
    result = CliRunner().invoke(app, ["apikey", "import"], env=environment)
    assert result.exit_code == 2
    assert "not an SLO engine key" in result.output
    assert "hunter2" not in result.output
