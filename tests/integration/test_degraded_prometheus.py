"""No request waits on a failing Prometheus (REL-005): a frozen store costs a request at
most the deadline, then the stored recommendation is served stale or a 503 carries the
circuit breaker's wait; a store that refuses queries is degraded too (stale or 502),
never a 500."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess
from slo_engine.runtime.prometheus_server import backfill_openmetrics, start_prometheus
from tests.conftest import SettableClock, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest

TOPOLOGY = graph("manual", [("dg-front", "dg-a"), ("dg-front", "dg-b")])
PATH = "/api/v1/services/{}/slo-recommendations"
QUERY = {"lookback_days": 7, "sli_type": "availability"}


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("degraded")
    end = int(time.time()) // 300 * 300
    write_openmetrics(simulate_fleet(TOPOLOGY, days=8, end_s=end, seed=4), directory / "f.om")
    backfill_openmetrics(directory / "f.om", directory / "prometheus")
    return directory / "prometheus"


@pytest.fixture
def prometheus(history_dir: Path) -> Iterator[ServerProcess]:
    server = start_prometheus(history_dir)
    yield server
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.pid, signal.SIGCONT)  # a frozen server cannot stop
    server.stop()


def _client(falkordb: ServerProcess, redis: ServerProcess, prometheus: ServerProcess,
            tmp_path: Path, identity: LocalIdentityProvider, **overrides: object
            ) -> tuple[Container, TestClient]:
    settings = settings_for(falkordb, redis, tmp_path, prometheus, identity, **overrides)
    container = bootstrap(settings, SettableClock())
    return container, admin_client(container, identity)


def test_a_frozen_prometheus_costs_a_request_its_deadline_then_the_breaker_answers(
        falkordb_server: ServerProcess, redis_server: ServerProcess,
        prometheus: ServerProcess, tmp_path: Path,
        identity_provider: LocalIdentityProvider) -> None:
    container, client = _client(falkordb_server, redis_server, prometheus, tmp_path,
                                identity_provider, prometheus_request_deadline_seconds=0.5)
    try:
        with client:
            ingest(client, TOPOLOGY)
            fresh = client.get(PATH.format("dg-front"), params={**QUERY, "force_regenerate": 1})
            assert fresh.status_code == 200, fresh.text
            os.kill(prometheus.pid, signal.SIGSTOP)
            forced = client.get(PATH.format("dg-front"), params={**QUERY, "force_regenerate": 1})
            assert forced.status_code == 200
            assert forced.json()["stale"] is True
            assert "no answer within the 0.5 s deadline" in forced.json()["stale_reason"]
            assert forced.json()["recommendation_id"] == fresh.json()["recommendation_id"]
            # Each request that misses its deadline is one failure (not one per query it
            # had open): the breaker opens at its threshold, then answers at once.
            assert container.history is not None  # the settings name a Prometheus
            breaker = container.history.telemetry.breaker
            answers = [client.get(PATH.format("dg-a"), params=QUERY)
                       for _ in range(breaker.failure_threshold + 2)]
            assert {a.status_code for a in answers} == {503}
            assert breaker.state == "open"
            assert sum("deadline" in a.json()["detail"] for a in answers) \
                == breaker.failure_threshold - 1  # the forced request above was the first
            last = answers[-1]
            assert last.headers["content-type"] == "application/problem+json"
            assert 1 <= int(last.headers["retry-after"]) <= breaker.open_seconds
            assert "circuit open" in last.json()["detail"]
    finally:
        container.close()


def test_a_prometheus_refusing_queries_serves_stale_or_a_502_never_a_500(
        falkordb_server: ServerProcess, redis_server: ServerProcess,
        prometheus: ServerProcess, history_dir: Path, tmp_path: Path,
        identity_provider: LocalIdentityProvider) -> None:
    container, client = _client(falkordb_server, redis_server, prometheus, tmp_path,
                                identity_provider)
    graph_name = container.settings.falkordb_graph
    with client:
        ingest(client, TOPOLOGY)
        # Computed, not read from the Redis cache the whole test session shares.
        first = client.get(PATH.format("dg-front"), params={**QUERY, "force_regenerate": 1})
        assert first.status_code == 200, first.text
        stored = first.json()
    container.close()
    prometheus.stop()
    strict = start_prometheus(history_dir, extra_flags=("--query.max-samples=10",))
    container, client = _client(falkordb_server, redis_server, strict, tmp_path,
                                identity_provider, falkordb_graph=graph_name)
    try:
        with client:
            forced = client.get(PATH.format("dg-front"), params={**QUERY, "force_regenerate": 1})
            assert forced.status_code == 200
            assert forced.json()["stale"] is True
            assert "too many samples" in forced.json()["stale_reason"]
            assert forced.json()["recommendation_id"] == stored["recommendation_id"]
            never = client.get(PATH.format("dg-a"), params=QUERY)
            assert never.status_code == 502
            assert never.json()["type"].endswith("/metrics-store-error")
            assert "too many samples" in never.json()["detail"]
    finally:
        container.close()
        strict.stop()
