"""Rate limits, response headers, request ids, metrics and logs on the real app."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from slo_engine.domain.access import Role
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.log_format import JsonFormatter
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, bearer, graph, ingest


@pytest.fixture
def limited(falkordb_server: ServerProcess, redis_server: ServerProcess, tmp_path: Path,
            identity_provider: LocalIdentityProvider) -> Iterator[TestClient]:
    container = bootstrap(settings_for(falkordb_server, redis_server, tmp_path,
                                       identity=identity_provider,
                                       rate_limits_per_minute={"services": 3}))
    with admin_client(container, identity_provider) as client:
        yield client
    container.close()


def test_each_response_shows_the_callers_bucket_and_the_empty_bucket_answers_429(
        limited: TestClient, identity_provider: LocalIdentityProvider) -> None:
    caller = bearer(identity_provider, f"rate-{id(limited)}", ("viewer",))
    answers = [limited.get("/api/v1/services", headers=caller) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"3"}
    assert answers[0].headers["x-ratelimit-reset"] == "20"  # one token back per 20 s
    refused = answers[-1]
    assert refused.headers["retry-after"] == "20"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "Too Many Requests"
    assert "3 requests per minute" in refused.json()["detail"]


def test_limits_are_per_caller_and_per_endpoint_group(
        limited: TestClient, identity_provider: LocalIdentityProvider) -> None:
    first = bearer(identity_provider, f"first-{id(limited)}", ("viewer",))
    second = bearer(identity_provider, f"second-{id(limited)}", ("viewer",))
    for _ in range(3):
        limited.get("/api/v1/services", headers=first)
    assert limited.get("/api/v1/services", headers=first).status_code == 429
    assert limited.get("/api/v1/services", headers=second).status_code == 200
    cycles = limited.get("/api/v1/graph/cycles", headers=first)  # the "default" group
    assert cycles.status_code == 200
    assert cycles.headers["x-ratelimit-limit"] == "60"


def test_a_guessed_secret_for_a_real_key_id_stops_costing_bcrypt_after_twenty_tries(
        container: Container, client: TestClient) -> None:
    raw, _ = container.api_keys.issue("ci", Role.VIEWER, (), "test")
    anonymous = TestClient(client.app)
    guesses = [anonymous.get("/api/v1/services",
                          headers={"X-API-Key": f"sloe_{raw.key_id}_{'g' * 42}{k % 10}"})
               for k in range(21)]
    assert [g.status_code for g in guesses] == [401] * 20 + [429]
    assert "unknown or revoked" in guesses[0].json()["detail"]


def test_responses_carry_security_headers_and_no_stack_traces(client: TestClient) -> None:
    response = client.get("/api/v1/services")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert response.headers["cache-control"] == "no-store"
    docs = client.get("/docs")
    assert "content-security-policy" not in docs.headers  # Swagger UI loads its scripts


def test_unknown_routes_and_methods_are_problem_documents(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert (missing.status_code, missing.headers["content-type"]) == (
        404, "application/problem+json")
    assert "/docs" in missing.json()["detail"]
    wrong = client.delete("/api/v1/services")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405


def test_a_sane_request_id_is_echoed_and_an_unsafe_one_replaced(client: TestClient) -> None:
    echoed = client.get("/api/v1/health", headers={"X-Request-ID": "req-789"})
    assert echoed.headers["x-request-id"] == "req-789"
    replaced = client.get("/api/v1/health", headers={"X-Request-ID": "bad id<script>" * 20})
    assert len(replaced.headers["x-request-id"]) == 32
    generated = client.get("/api/v1/health")
    assert generated.headers["x-request-id"] != replaced.headers["x-request-id"]


def test_each_request_is_logged_once_as_json_with_its_id(
        client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="slo_engine.access"):
        client.get("/api/v1/services", headers={"X-Request-ID": "req-log-1"})
    (record,) = [r for r in caplog.records if r.name == "slo_engine.access"]
    line = json.loads(JsonFormatter().format(record))
    assert (line["level"], line["logger"], line["status"], line["path"]) == (
        "INFO", "slo_engine.access", 200, "/api/v1/services")
    assert line["principal"] == "jane@example.com"
    assert line["duration_ms"] >= 0
    assert line["timestamp"].endswith("Z")
    assert "X-API-Key" not in json.dumps(line)


def test_metrics_count_requests_by_route_template_and_recommendation_decisions(
        client: TestClient) -> None:
    ingest(client, graph("manual", [("checkout", "payment")]))
    for service in ("checkout", "payment"):
        client.get(f"/api/v1/services/{service}")
    client.get("/api/v1/services/nope")
    text = client.get("/metrics").text
    assert ('slo_engine_http_requests_total{endpoint="/api/v1/services/{service_id}",'
            'method="GET",status_code="200"} 2.0') in text
    assert ('slo_engine_http_requests_total{endpoint="/api/v1/services/{service_id}",'
            'method="GET",status_code="404"} 1.0') in text
    assert "slo_engine_dependency_graph_nodes 2.0" in text
    assert 'slo_engine_http_request_duration_seconds_bucket{endpoint="/api/v1/services/' in text


def test_text_no_graph_store_can_hold_is_refused_before_anything_is_written(
        client: TestClient) -> None:
    for text in ('"a\\u0000b"', '"\\ud800"'):
        body = ('{"source": "manual", "nodes": [{"service_id": "svc-x", "metadata": '
                '{"team": ' + text + '}}], "edges": []}')
        response = client.post("/api/v1/services/dependencies", content=body,
                               headers={"content-type": "application/json"})
        assert response.status_code == 422, response.text
        assert "NUL character" in response.json()["detail"]
    assert client.get("/api/v1/services/svc-x").status_code == 404
    emoji = client.post("/api/v1/auto-approval-rules", json={
        "name": "rule \U0001F600", "conditions": {}})  # a surrogate pair is fine
    assert emoji.status_code == 201
    in_path = client.get("/api/v1/services/a%00b/slos")
    assert in_path.status_code == 422
