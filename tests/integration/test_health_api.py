from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slo_engine.api.app import create_app
from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.processes import ServerProcess, start_redis
from tests.conftest import settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client


def test_liveness_answers_with_the_version(client: TestClient) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok", "version": "0.1.0"}


def test_readiness_checks_the_graph_store_and_redis(client: TestClient) -> None:
    response = client.get("/api/v1/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {
        "graph_store (falkordb)": {"status": "ok", "detail": None},
        "redis": {"status": "ok", "detail": None},
        "prometheus": {"status": "ok", "detail": None}},
        "background_workers": None}  # inline job mode: there are no workers to count


@pytest.fixture
def client_with_own_redis(
    falkordb_server: ServerProcess, prometheus_server: ServerProcess, tmp_path: Path,
    identity_provider: LocalIdentityProvider,
) -> Iterator[tuple[TestClient, ServerProcess]]:
    redis = start_redis(tmp_path / "redis")
    container = bootstrap(settings_for(falkordb_server, redis, tmp_path, prometheus_server,
                                       identity_provider))
    with admin_client(container, identity_provider) as client:
        yield client, redis
    container.close()
    redis.stop()


def test_redis_down_makes_it_not_ready_but_ingestion_still_works(
    client_with_own_redis: tuple[TestClient, ServerProcess],
) -> None:
    client, redis = client_with_own_redis
    redis.stop()
    response = client.get("/api/v1/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["status"] == "unavailable"
    accepted = client.post("/api/v1/services/dependencies",
                           json={"source": "manual", "edges": [{"source": "a", "target": "b"}]})
    assert accepted.status_code == 202
    assert client.get(accepted.json()["status_url"]).json()["status"] == "completed"


def test_prometheus_down_makes_it_not_ready(
    falkordb_server: ServerProcess, redis_server: ServerProcess, tmp_path: Path
) -> None:
    from slo_engine.runtime.prometheus_server import start_prometheus

    prometheus = start_prometheus(tmp_path / "prometheus")
    container = bootstrap(settings_for(falkordb_server, redis_server, tmp_path, prometheus))
    with TestClient(create_app(container)) as client:
        assert client.get("/api/v1/health/ready").status_code == 200
        prometheus.stop()
        response = client.get("/api/v1/health/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["prometheus"]["status"] == "unavailable"
    container.close()


def test_the_openapi_document_and_its_viewers_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/services/{service_id}/dependencies" in spec["paths"]
    assert "/api/v1/graph/cycles/{cycle_id}" in spec["paths"]
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 200
