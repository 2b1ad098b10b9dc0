"""An approved SLI feeds drift detection and aggregation (issue 20 item 4): `api` publishes
only go-grpc-prometheus's families (the drift test's history, renamed), so under the
configured default it has no series to judge; once a person approves its discovered SLI
the 15-minute sweeps read `grpc_server_handling_seconds_bucket` and confirm its 20% p99
shift, and so does a process that has not loaded the graph since (a worker)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess
from slo_engine.runtime.settings import Settings
from tests.conftest import SettableClock, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest
from tests.integration.test_drift_detection import SHIFT, sweep, write_history
from tests.prometheus_history import prometheus_holding

# The classic names of `api`'s series, and go-grpc-prometheus's.
AS_GRPC = (('http_requests_total{service="api",code="200"}',
            'grpc_server_handled_total{service="api",grpc_code="OK"}'),
           ('http_requests_total{service="api",code="500"}',
            'grpc_server_handled_total{service="api",grpc_code="Unavailable"}'),
           ('http_request_duration_seconds_bucket{service="api",',
            'grpc_server_handling_seconds_bucket{service="api",'))


def _grpc_history(path: Path) -> None:
    write_history(path)
    lines = path.read_text().splitlines()
    api = [line for line in lines if 'service="api"' in line]
    for classic, grpc in AS_GRPC:
        api = [line.replace(classic, grpc) for line in api]
    # Families stay contiguous: the renamed series after the classic ones, before # EOF.
    others = [line for line in lines if 'service="api"' not in line and line != "# EOF"]
    path.write_text("\n".join([*others, "# TYPE grpc_server_handled counter",
                               *[line for line in api if line.startswith("grpc_server_handled")],
                               "# TYPE grpc_server_handling_seconds histogram",
                               *[line for line in api if line.startswith("grpc_server_handling")],
                               "# EOF"]) + "\n")


@pytest.fixture(scope="module")
def grpc_api_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("grpc-drift")
    _grpc_history(directory / "history.om")
    with prometheus_holding([directory / "history.om"], directory / "data") as server:
        yield server


@pytest.fixture
def engine(falkordb_server: ServerProcess, redis_server: ServerProcess,
           grpc_api_prometheus: ServerProcess, tmp_path: Path, clock: SettableClock,
           identity_provider: LocalIdentityProvider
           ) -> Iterator[tuple[TestClient, Settings]]:
    clock.now = (SHIFT - 900) * 1000
    settings = settings_for(falkordb_server, redis_server, tmp_path, grpc_api_prometheus,
                            identity_provider)
    container = bootstrap(settings, clock)
    container.redis.delete(*container.redis.keys("slo-engine:drift-cooldown:*") or ["none"])
    with admin_client(container, identity_provider) as client:
        ingest(client, graph("manual", [("web", "api")]))
        yield client, settings
    container.close()


def _approve(client: TestClient, service_id: str) -> dict[str, Any]:
    listed = client.get("/api/v1/sli", params={"service_id": service_id})
    assert listed.status_code == 200, listed.text
    top = listed.json()["items"][0]
    response = client.patch(f"/api/v1/sli/{top['sli_id']}", json={"action": "approve"})
    assert response.status_code == 200, response.text
    approved: dict[str, Any] = response.json()["sli"]
    return approved


def test_the_sweeps_judge_the_approved_slis_series_and_confirm_its_shift(
        engine: tuple[TestClient, Settings], clock: SettableClock) -> None:
    client, _ = engine
    before = sweep(client, clock, SHIFT)
    assert (before["services_with_data"], before["confirmed"]) == (1, 0)  # web alone
    assert _approve(client, "api")["convention"] == "grpc_prometheus"
    quiet = sweep(client, clock, SHIFT)
    assert (quiet["services_with_data"], quiet["confirmed"]) == (2, 0)
    drifts = [sweep(client, clock, at)["drifts"] for at in (SHIFT + 900, SHIFT + 1800)]
    assert [sorted(d) for d in drifts if d][:1] == [["api"]]
    [first] = [d for d in drifts if d][:1]
    assert first["api"]["reason"].startswith("drift in p99 latency (")


async def _sweeps_and_aggregation(container: Container, clock: SettableClock
                                  ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The sweeps of the half hour after the shift, then an aggregation, as a worker runs
    them (its own container, the jobs' use cases called directly)."""
    history = container.require_history("drift reads Prometheus")
    swept = []
    try:
        for at in (SHIFT + 900, SHIFT + 1800):
            clock.now = at * 1000
            swept.append(await history.detect_drift.sweep(["api", "web"]))
        return swept, await history.aggregate.run()
    finally:
        await history.telemetry.close()


def test_a_process_started_before_the_approval_reads_the_approved_sli(
        engine: tuple[TestClient, Settings], clock: SettableClock) -> None:
    client, settings = engine
    worker = bootstrap(settings, clock)  # what a worker process builds
    try:
        worker.snapshots.current()  # it has loaded the graph before the approval
        _approve(client, "api")
        swept, aggregated = asyncio.run(_sweeps_and_aggregation(worker, clock))
    finally:
        worker.close()
    assert [s["services_with_data"] for s in swept] == [2, 2]
    assert [list(s["drifts"]) for s in swept if s["drifts"]][:1] == [["api"]]
    assert aggregated["services_with_traffic"] == 2
