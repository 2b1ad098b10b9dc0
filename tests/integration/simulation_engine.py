"""The engine the simulation API tests share: a real Prometheus holding the hand-computed
history of tests/simulation_history.py, FalkorDB and Redis, the clock at its END."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.api.app import create_app
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import SettableClock, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import bearer, graph, ingest
from tests.prometheus_history import prometheus_holding
from tests.simulation_history import END, generation_openmetrics, simulation_series
from tests.telemetry_history import write_series

PATH = "/api/v1/services/{}/slos/simulate"
WEEKLY = {"targets": {"availability": 99}, "period_days": 7, "historical_window_days": 14,
          "iterations": 500, "seed": 7}


@pytest.fixture(scope="module")
def history_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("simulation")
    write_series(directory / "history.om", simulation_series())
    (directory / "generation.om").write_text(generation_openmetrics())
    with prometheus_holding([directory / "history.om", directory / "generation.om"],
                            directory / "data") as server:
        yield server


def engine_at_end(settings_prometheus: ServerProcess | None, falkordb: ServerProcess,
            redis: ServerProcess, tmp_path: Path, identity: LocalIdentityProvider,
            **overrides: object) -> Container:
    clock = SettableClock()
    clock.now = END * 1000
    return bootstrap(settings_for(falkordb, redis, tmp_path, settings_prometheus, identity,
                                  **overrides), clock)


@pytest.fixture
def simulation_engine(history_prometheus: ServerProcess, falkordb_server: ServerProcess,
           redis_server: ServerProcess, tmp_path: Path,
           identity_provider: LocalIdentityProvider) -> Iterator[Container]:
    built = engine_at_end(history_prometheus, falkordb_server, redis_server, tmp_path,
                    identity_provider)
    yield built
    built.close()


def client_of(container: Container, provider: LocalIdentityProvider) -> TestClient:
    client = TestClient(create_app(container), headers=bearer(provider))
    ingest(client, graph("manual", [("checkout", "newbie")], nodes=["plain", "deployed"]))
    return client


@pytest.fixture
def simulation_client(simulation_engine: Container, identity_provider: LocalIdentityProvider
                      ) -> Iterator[TestClient]:
    with client_of(simulation_engine, identity_provider) as test_client:
        yield test_client


def simulate(client: TestClient, body: dict[str, Any], service_id: str = "checkout"
             ) -> dict[str, Any]:
    response = client.post(PATH.format(service_id), json=body)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def iso(epoch_s: int) -> str | None:
    return iso_from_ms(epoch_s * 1000)
