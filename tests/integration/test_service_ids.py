"""Every service id ingestion admits gets recommendations, and so do its callers: ids are
catalogue values, escaped into PromQL, never refused as personal data later (a SHA-256
digest is a long run of digits, as in the Alibaba call-graph traces)."""

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

HEX_DIGEST = "04940a16b54c3d25fe069d5fa3b209e6897040996c3715a8f684b7dddb1d7ef9"
ALL_DIGITS = "4915112345678"
DOTS_AND_COLONS = "payments.v2:grpc"
LONGEST = "a" + "9" * 252
ODD_IDS = [HEX_DIGEST, ALL_DIGITS, DOTS_AND_COLONS, LONGEST]
TOPOLOGY = graph("manual", [("odd-ids-caller", service_id) for service_id in ODD_IDS])


@pytest.fixture(scope="module")
def odd_ids_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("odd-ids")
    history = simulate_fleet(TOPOLOGY, days=8, end_s=int(time.time()) // 300 * 300, seed=5)
    write_openmetrics(history, directory / "fleet.om")
    with prometheus_holding([directory / "fleet.om"], directory / "prometheus") as server:
        yield server


@pytest.fixture
def client(falkordb_server: ServerProcess, redis_server: ServerProcess,
           odd_ids_prometheus: ServerProcess, tmp_path: Path,
           identity_provider: LocalIdentityProvider) -> Iterator[TestClient]:
    with serving(settings_for(falkordb_server, redis_server, tmp_path, odd_ids_prometheus,
                              identity_provider), TOPOLOGY, identity_provider) as test_client:
        yield test_client


@pytest.mark.parametrize("service_id", ODD_IDS)
def test_a_service_with_an_unusual_id_gets_history_based_tiers(client: TestClient,
                                                               service_id: str) -> None:
    response = client.get(f"/api/v1/services/{service_id}/slo-recommendations",
                          params={"lookback_days": 7, "sli_type": "availability"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data_quality"]["data_completeness"] > 0.95
    (availability,) = body["recommendations"]
    assert availability["tiers"]["balanced"]["estimated_breach_probability"] is not None


def test_a_caller_of_every_unusual_id_counts_them_all_in_its_bound(client: TestClient) -> None:
    response = client.get("/api/v1/services/odd-ids-caller/slo-recommendations",
                          params={"lookback_days": 7, "sli_type": "availability"})
    assert response.status_code == 200, response.text
    (availability,) = response.json()["recommendations"]
    impact = availability["dependency_impact"]
    assert impact["counted_services"] == 1 + len(ODD_IDS)
    assert impact["dependencies_without_data"] == []
