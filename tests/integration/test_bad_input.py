"""Bad submissions get RFC 7807 answers naming the offending item, and write nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import INGEST, admin_client, graph


def assert_problem(response: httpx.Response, status: int, pointer: str | None = None
                   ) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["instance"] == INGEST
    if pointer:
        assert pointer in [e["pointer"] for e in body["errors"]], body
        assert pointer in body["detail"]
    return body


def assert_nothing_written(client: TestClient) -> None:
    assert client.get("/api/v1/services").json()["items"] == []


def test_a_node_without_an_id_is_named(client: TestClient) -> None:
    payload = graph("manual", [("a", "b")], nodes=["a", {"metadata": {"team": "x"}}])
    body = assert_problem(client.post(INGEST, json=payload), 422, "/nodes/1/service_id")
    assert "is required" in body["detail"]
    assert_nothing_written(client)


def test_an_unknown_enum_value_is_named_with_the_allowed_values(client: TestClient) -> None:
    payload = graph("manual", [("a", "b", {"criticality": "critical-ish"})])
    body = assert_problem(client.post(INGEST, json=payload), 422,
                          "/edges/0/attributes/criticality")
    assert "'hard', 'soft' or 'degraded'" in body["errors"][0]["message"]
    assert_nothing_written(client)


def test_an_unknown_source_is_refused(client: TestClient) -> None:
    assert_problem(client.post(INGEST, json=graph("guesswork", [("a", "b")])), 422, "/source")


def test_a_self_loop_is_refused_and_nothing_of_the_payload_is_written(client: TestClient) -> None:
    payload = graph("manual", [("a", "b"), ("b", "c"), ("c", "c")], nodes=["a"])
    body = assert_problem(client.post(INGEST, json=payload), 422, "/edges/2")
    assert "depends on itself" in body["detail"]
    assert_nothing_written(client)


def test_an_invalid_service_id_is_refused(client: TestClient) -> None:
    assert_problem(client.post(INGEST, json=graph("manual", [("a", "b/../c")])), 422,
                   "/edges/0/target")


def test_an_unknown_field_is_refused_not_ignored(client: TestClient) -> None:
    payload = graph("manual", [("a", "b", {"criticallity": "hard"})])
    assert_problem(client.post(INGEST, json=payload), 422, "/edges/0/attributes/criticallity")


def test_malformed_json_is_a_400(client: TestClient) -> None:
    response = client.post(INGEST, content=b'{"source": "manual", "edges": [',
                           headers={"content-type": "application/json"})
    body = assert_problem(response, 400)
    assert body["type"].endswith("/malformed-json")
    assert_nothing_written(client)


@pytest.fixture
def strict_client(falkordb_server: ServerProcess, redis_server: ServerProcess,
                  tmp_path: Path, identity_provider: LocalIdentityProvider
                  ) -> Iterator[TestClient]:
    container = bootstrap(settings_for(falkordb_server, redis_server, tmp_path,
                                       identity=identity_provider, max_ingestion_edges=3,
                                       max_body_bytes=4096))
    assert container.history is None  # no Prometheus given: none is started
    with admin_client(container, identity_provider) as client:
        yield client
    container.close()


def test_an_edge_list_over_the_configured_size_is_refused(strict_client: TestClient) -> None:
    payload = graph("manual", [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")])
    body = assert_problem(strict_client.post(INGEST, json=payload), 422, "/edges")
    assert "4 edges exceed the limit of 3" in body["detail"]
    assert_nothing_written(strict_client)


def test_a_body_over_the_size_limit_is_a_413(strict_client: TestClient) -> None:
    payload = graph("manual", [(f"service-{i}", f"service-{i + 1}") for i in range(100)])
    body = assert_problem(strict_client.post(INGEST, json=payload), 413)
    assert "exceeds 4096 bytes" in body["detail"]
    assert_nothing_written(strict_client)


def test_a_chunked_body_over_the_limit_is_a_413_too(strict_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"source": "manual", "edges": ['
        for _ in range(200):
            yield b'{"source": "aaaaaaaaaa", "target": "bbbbbbbbbb"},'
        yield b"]}"

    response = strict_client.post(INGEST, content=chunks(),
                                  headers={"content-type": "application/json"})
    assert_problem(response, 413)
    assert_nothing_written(strict_client)
