"""Backing servers failing under a running API (TRD REL-007: readiness reports them; the
TRD has no id for their outages, which degrade as REL-005 asks of Prometheus's: 503 with
Retry-After, never a 500, then recovery): the graph store restarted, Redis stopped. Real
servers, really stopped."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.processes import ServerProcess, start_falkordb, start_redis
from tests.conftest import settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest

RULE = {"name": "low criticality", "conditions": {"criticality": ["low"]}}


def _is_unavailable_problem(response: object) -> bool:
    return (response.status_code == 503  # type: ignore[attr-defined]
            and response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
            and response.headers["retry-after"] == "5"  # type: ignore[attr-defined]
            and "graph store" in response.json()["detail"])  # type: ignore[attr-defined]


def test_a_restarted_graph_store_fails_requests_fast_then_recovers_with_every_acknowledged_write(
        redis_server: ServerProcess, tmp_path: Path,
        identity_provider: LocalIdentityProvider) -> None:
    falkordb = start_falkordb(tmp_path / "falkordb")
    container = bootstrap(settings_for(falkordb, redis_server, tmp_path,
                                       identity=identity_provider))
    try:
        with admin_client(container, identity_provider) as client:
            ingest(client, graph("manual", [("checkout", "payment"), ("payment", "stripe")]))
            rule = client.post("/api/v1/auto-approval-rules", json=RULE)
            assert rule.status_code == 201
            falkordb.stop()

            down = [client.get("/api/v1/services"),
                    client.get("/api/v1/services/checkout/dependencies"),
                    client.post("/api/v1/auto-approval-rules", json={**RULE, "name": "lost"})]
            assert all(_is_unavailable_problem(r) for r in down), [r.text for r in down]
            ready = client.get("/api/v1/health/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"]["graph_store (falkordb)"]["status"] == "unavailable"

            falkordb = start_falkordb(tmp_path / "falkordb", port=falkordb.port)
            assert client.get("/api/v1/health/ready").status_code == 200
            services = client.get("/api/v1/services").json()["items"]
            assert [s["service_id"] for s in services] == ["checkout", "payment", "stripe"]
            rules = client.get("/api/v1/auto-approval-rules").json()["items"]
            assert [r["rule_id"] for r in rules] == [rule.json()["rule_id"]]
            ingest(client, graph("manual", [("payment", "adyen")]))
    finally:
        container.close()
        falkordb.stop()


def test_with_redis_stopped_the_api_keeps_serving_and_limiting_in_process(
        falkordb_server: ServerProcess, tmp_path: Path,
        identity_provider: LocalIdentityProvider) -> None:
    redis = start_redis(tmp_path / "redis")
    container = bootstrap(settings_for(falkordb_server, redis, tmp_path,
                                       identity=identity_provider))
    try:
        with admin_client(container, identity_provider) as client:
            ingest(client, graph("manual", [("checkout", "payment")]))
            redis.stop()
            answers = [client.get("/api/v1/services/checkout") for _ in range(3)]
            assert [a.status_code for a in answers] == [200, 200, 200]
            remaining = [int(a.headers["x-ratelimit-remaining"]) for a in answers]
            assert remaining == sorted(remaining, reverse=True)  # in-process bucket
            assert container.rate_limits.using_fallback
            assert client.get("/api/v1/health/ready").json()["checks"]["redis"]["status"] == (
                "unavailable")
            ingest(client, graph("manual", [("payment", "stripe")]))  # writes go on too
            assert TestClient(client.app).get("/api/v1/services").status_code == 401
    finally:
        container.close()
        redis.stop()
