"""Every endpoint x every kind of caller (TRD FR-8 RBAC): 401 without a credential, 403
for a role or team that may not, and through to the endpoint otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.api.app import create_app
from slo_engine.domain.access import Role
from slo_engine.runtime.bootstrap import Container
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import bearer, graph, ingest

READ, INGEST, DECIDE, ADMINISTER, PUBLIC = "read", "ingest", "decide", "administer", "public"
IMPACT = {"service_id": "checkout", "proposed_change": {"proposed_target": 99.5}}
RULE = {"name": "low", "conditions": {"criticality": ["low"]}}
DECISION = {"recommendation_id": "no-such-recommendation", "action": "accept"}
SIMULATION = {"targets": {"availability": 99.9}}
CHECKOUT_SLI = "00000000-0000-4000-8000-00000000051a"  # a candidate SLI of checkout
JOURNEY = {"name": "checkout", "steps": ["checkout", "payment"]}

# (method, route template, concrete path, body, what the endpoint does)
ENDPOINTS: list[tuple[str, str, str, Any, str]] = [
    ("GET", "/api/v1/health", "/api/v1/health", None, PUBLIC),
    ("GET", "/api/v1/health/ready", "/api/v1/health/ready", None, PUBLIC),
    ("GET", "/metrics", "/metrics", None, PUBLIC),
    ("POST", "/api/v1/services/dependencies", "/api/v1/services/dependencies",
     graph("manual", [("checkout", "payment")]), INGEST),
    ("GET", "/api/v1/services/dependencies/ingestions/{ingestion_id}",
     "/api/v1/services/dependencies/ingestions/unknown", None, READ),
    ("GET", "/api/v1/services/{service_id}/dependencies",
     "/api/v1/services/checkout/dependencies", None, READ),
    ("GET", "/api/v1/services", "/api/v1/services", None, READ),
    ("GET", "/api/v1/services/{service_id}", "/api/v1/services/checkout", None, READ),
    ("GET", "/api/v1/services/{service_id}/slo-recommendations",
     "/api/v1/services/checkout/slo-recommendations", None, READ),
    ("POST", "/api/v1/services/{service_id}/slos", "/api/v1/services/checkout/slos",
     DECISION, DECIDE),
    ("GET", "/api/v1/services/{service_id}/slos", "/api/v1/services/checkout/slos", None,
     READ),
    ("GET", "/api/v1/services/{service_id}/slo-history",
     "/api/v1/services/checkout/slo-history", None, READ),
    ("POST", "/api/v1/slos/impact-analysis", "/api/v1/slos/impact-analysis", IMPACT, READ),
    ("POST", "/api/v1/services/{service_id}/slos/simulate",
     "/api/v1/services/checkout/slos/simulate", SIMULATION, READ),
    ("GET", "/api/v1/sli", "/api/v1/sli?service_id=checkout", None, READ),
    ("PATCH", "/api/v1/sli/{sli_id}", f"/api/v1/sli/{CHECKOUT_SLI}", {"action": "approve"},
     DECIDE),
    ("GET", "/api/v1/simulations/{simulation_id}", "/api/v1/simulations/unknown", None,
     READ),
    ("GET", "/api/v1/services/{service_id}/simulations",
     "/api/v1/services/checkout/simulations", None, READ),
    ("POST", "/api/v1/journeys", "/api/v1/journeys", JOURNEY, ADMINISTER),
    ("GET", "/api/v1/journeys", "/api/v1/journeys", None, READ),
    ("GET", "/api/v1/journeys/{journey_id}", "/api/v1/journeys/unknown", None, READ),
    ("PUT", "/api/v1/journeys/{journey_id}", "/api/v1/journeys/unknown", JOURNEY, ADMINISTER),
    ("GET", "/api/v1/journeys/{journey_id}/versions", "/api/v1/journeys/unknown/versions",
     None, READ),
    ("GET", "/api/v1/journeys/{journey_id}/slo-recommendations",
     "/api/v1/journeys/unknown/slo-recommendations", None, READ),
    ("GET", "/api/v1/graph/cycles", "/api/v1/graph/cycles", None, READ),
    ("GET", "/api/v1/graph/divergences", "/api/v1/graph/divergences", None, READ),
    ("PATCH", "/api/v1/graph/cycles/{cycle_id}", "/api/v1/graph/cycles/unknown",
     {"status": "acknowledged"}, ADMINISTER),
    ("GET", "/api/v1/audit/verify", "/api/v1/audit/verify", None, READ),
    ("GET", "/api/v1/auto-approval-rules", "/api/v1/auto-approval-rules", None, READ),
    ("POST", "/api/v1/auto-approval-rules", "/api/v1/auto-approval-rules", RULE, ADMINISTER),
    ("GET", "/api/v1/auto-approval-rules/{rule_id}", "/api/v1/auto-approval-rules/unknown",
     None, READ),
    ("PATCH", "/api/v1/auto-approval-rules/{rule_id}", "/api/v1/auto-approval-rules/unknown",
     {"enabled": True}, ADMINISTER),
    ("DELETE", "/api/v1/auto-approval-rules/{rule_id}", "/api/v1/auto-approval-rules/unknown",
     None, ADMINISTER),
    ("GET", "/api/v1/dashboard/coverage", "/api/v1/dashboard/coverage", None, READ),
    ("GET", "/api/v1/dashboard/error-budget-health", "/api/v1/dashboard/error-budget-health",
     None, READ),
    ("GET", "/api/v1/dashboard/recommendation-quality",
     "/api/v1/dashboard/recommendation-quality", None, READ),
    ("POST", "/api/v1/jobs", "/api/v1/jobs",
     {"kind": "regenerate_recommendations", "service_ids": ["checkout"]}, ADMINISTER),
    ("GET", "/api/v1/jobs/failed", "/api/v1/jobs/failed", None, READ),
    ("GET", "/api/v1/jobs/{job_id}", "/api/v1/jobs/unknown", None, READ),
    ("GET", "/api/v1/services/{service_id}/slos/alerts",
     "/api/v1/services/checkout/slos/alerts", None, READ),
    ("POST", "/api/v1/artifacts/generate", "/api/v1/artifacts/generate",
     {"service_ids": ["checkout"], "validation_only": True}, ADMINISTER),
    ("GET", "/api/v1/artifacts/{artifact_id}",
     "/api/v1/artifacts/00000000-0000-4000-8000-000000000000", None, READ),
    ("GET", "/api/v1/artifacts/{artifact_id}/content",
     "/api/v1/artifacts/00000000-0000-4000-8000-000000000000/content", None, READ),
]

# caller -> the actions it may take (checkout belongs to team payments)
CALLERS: dict[str, set[str]] = {
    "anonymous": {PUBLIC},
    "viewer person": {PUBLIC, READ},
    "viewer key": {PUBLIC, READ},
    "owner of checkout": {PUBLIC, READ, DECIDE},
    "owner of another team": {PUBLIC, READ},
    "owner key of checkout": {PUBLIC, READ},  # decisions need a person
    "admin person": {PUBLIC, READ, INGEST, DECIDE, ADMINISTER},
    "admin key": {PUBLIC, READ, INGEST, ADMINISTER},
}


@pytest.fixture
def callers(container: Container, identity_provider: LocalIdentityProvider
            ) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    def key(role: Role, *teams: str) -> dict[str, str]:
        raw, _ = container.api_keys.issue(f"{role} key", role, teams, "test")
        return {"X-API-Key": str(raw)}

    idp = identity_provider
    headers = {
        "anonymous": {},
        "viewer person": bearer(idp, "vera", ("viewer",)),
        "viewer key": key(Role.VIEWER),
        "owner of checkout": bearer(idp, "olga", ("service_owner",), ("payments",)),
        "owner of another team": bearer(idp, "otto", ("service_owner",), ("search",)),
        "owner key of checkout": key(Role.SERVICE_OWNER, "payments"),
        "admin person": bearer(idp),
        "admin key": key(Role.SRE_ADMIN),
    }
    with TestClient(create_app(container)) as client:
        ingest_as_admin = TestClient(client.app, headers=headers["admin person"])
        ingest(ingest_as_admin, graph("manual", [("checkout", "payment")], nodes=[
            {"service_id": "checkout", "metadata": {"team": "payments"}}]))
        assert container.slis is not None
        container.slis.store_candidates("checkout", [{
            "sli_id": CHECKOUT_SLI, "convention": "prometheus_http", "rank": 0,
            "confidence": 1.0, "definition": '{"requests_metric": "http_requests_total"}',
            "body": "{}"}], 0)
        yield client, headers


def test_the_table_covers_every_route_the_app_serves(container: Container) -> None:
    paths = create_app(container).openapi()["paths"]
    served = {(method.upper(), path) for path, operations in paths.items()
              for method in operations}
    assert served == {(method, template) for method, template, *_ in ENDPOINTS}


@pytest.mark.parametrize("caller", list(CALLERS))
def test_each_caller_reaches_exactly_the_endpoints_its_role_allows(
        callers: tuple[TestClient, dict[str, dict[str, str]]], caller: str) -> None:
    client, headers = callers
    outcomes = {}
    for method, template, path, body, action in ENDPOINTS:
        response = client.request(method, path, json=body, headers=headers[caller])
        outcomes[(method, template)] = response.status_code
        if action not in CALLERS[caller]:
            expected = 401 if caller == "anonymous" else 403
            assert response.status_code == expected, (method, path, response.text)
            problem = response.json()
            assert response.headers["content-type"] == "application/problem+json"
            assert problem["status"] == expected
            assert problem["detail"]
        else:
            assert response.status_code not in (401, 403), (method, path, response.text)
    assert len(outcomes) == len(ENDPOINTS)


def test_401_challenges_for_a_bearer_token(callers: tuple[TestClient, dict[str, Any]]) -> None:
    client, _ = callers
    response = client.get("/api/v1/services")
    assert response.headers["www-authenticate"] == 'Bearer realm="slo-engine"'
    assert "X-API-Key" in response.json()["detail"]


def test_a_decision_records_the_callers_identity_not_a_claimed_actor(
        callers: tuple[TestClient, dict[str, Any]]) -> None:
    client, headers = callers
    response = client.post("/api/v1/services/checkout/slos",
                           json={**DECISION, "actor": "someone-else"},
                           headers=headers["owner of checkout"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/actor"


def test_an_owner_is_told_which_team_owns_the_service(
        callers: tuple[TestClient, dict[str, Any]]) -> None:
    client, headers = callers
    response = client.post("/api/v1/services/checkout/slos", json=DECISION,
                           headers=headers["owner of another team"])
    assert response.status_code == 403
    assert "team 'payments'" in response.json()["detail"]
    assert "(search)" in response.json()["detail"]


def test_both_credentials_at_once_are_refused(callers: tuple[TestClient, dict[str, Any]]
                                              ) -> None:
    client, headers = callers
    response = client.get("/api/v1/services",
                          headers={**headers["admin key"], **headers["admin person"]})
    assert response.status_code == 401
    assert "not both" in response.json()["detail"]


def test_a_revoked_key_is_refused_at_once_on_this_replica(
        container: Container, callers: tuple[TestClient, dict[str, Any]]) -> None:
    client, headers = callers
    key = headers["viewer key"]["X-API-Key"]
    assert client.get("/api/v1/services", headers={"X-API-Key": key}).status_code == 200
    container.api_keys.revoke(key.split("_")[1])
    refused = client.get("/api/v1/services", headers={"X-API-Key": key})
    assert refused.status_code == 401
    assert "unknown or revoked" in refused.json()["detail"]
    assert key not in refused.text
