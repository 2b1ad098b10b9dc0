"""A bound below what the service itself achieved is a contradiction, not a cap (history
says the declared graph is wrong: here the edge to `flaky` never carried failures)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import graph, serving
from tests.prometheus_history import prometheus_holding

# Simulated without the edge: front's history holds none of flaky's failures.
SIMULATED = graph("manual", [], nodes=["front", {"service_id": "flaky",
                                                 "metadata": {"service_type": "external"}}])
DECLARED = graph("manual", [("front", "flaky")])


@pytest.fixture(scope="module")
def history_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("contradiction")
    history = simulate_fleet(SIMULATED, days=15, end_s=int(time.time()) // 300 * 300, seed=3,
                             unreliable_external="flaky")
    write_openmetrics(history, directory / "fleet.om")
    with prometheus_holding([directory / "fleet.om"], directory / "prometheus") as server:
        yield server


@pytest.fixture
def client(falkordb_server: ServerProcess, redis_server: ServerProcess,
           history_prometheus: ServerProcess, tmp_path: Path,
           identity_provider: LocalIdentityProvider) -> Iterator[TestClient]:
    with serving(settings_for(falkordb_server, redis_server, tmp_path, history_prometheus,
                              identity_provider), {**SIMULATED, "edges": DECLARED["edges"]},
                 identity_provider) as test_client:
        yield test_client


def test_history_above_the_bound_is_reported_and_caps_nothing(client: TestClient) -> None:
    response = client.get("/api/v1/services/front/slo-recommendations",
                          params={"lookback_days": 14, "sli_type": "availability",
                                  "force_regenerate": True})
    assert response.status_code == 200, response.text
    (availability,) = response.json()["recommendations"]
    bound = availability["dependency_impact"]["composite_availability_bound"]
    assert bound < availability["observed"]
    # Whether the forecast's own balanced target lands above or below the bound depends on
    # the simulated month; what must hold is that the bound did not cap it.
    summary = availability["explanation"]["summary"]
    assert "capped by what its hard dependencies allow" not in summary
    first, second, *_ = availability["warnings"]
    assert first.startswith("front achieved at least ")
    assert first.endswith("its hard dependencies supposedly allow: the bound does not cap "
                          "the tiers.")
    assert second.startswith("flaky (observed ")
    assert "whether calls to it are really hard and synchronous" in second
