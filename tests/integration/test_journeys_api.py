"""Journeys through the API against FalkorDB, Redis and an empty Prometheus, with
hand-computed answers: availabilities come from active SLOs and a published SLA.

    gateway -> checkout -> payment -> stripe (external, 99.99% published: 99.89%)
                        -> cart -> inventory          search -> inventory
    SLOs: checkout 99.6%, payment 99.8%, cart 99.9%, inventory 99.95%
    zones: checkout and payment in a, cart and inventory in b
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.api.journey_schemas import JourneyDocument, JourneyRecommendationDocument
from slo_engine.runtime.bootstrap import Container
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest
from tests.integration.test_impact_analysis_api import analyse, set_slo

PATH = "/api/v1/journeys"
STRIPE = {"service_id": "stripe", "metadata": {"service_type": "external",
                                               "published_sla": 0.9999}}
ZONED = [{"service_id": s, "metadata": {"zone": z}} for s, z in (
    ("checkout", "a"), ("payment", "a"), ("cart", "b"), ("inventory", "b"))]
TOPOLOGY = graph("manual", [
    ("gateway", "checkout"), ("checkout", "payment"), ("checkout", "cart"),
    ("payment", "stripe"), ("cart", "inventory"), ("search", "inventory"),
], ["gateway", "search", STRIPE, *ZONED])
SLOS = {"checkout": 0.996, "payment": 0.998, "cart": 0.999, "inventory": 0.9995}
CHECKOUT = {"name": "checkout", "steps": ["checkout", "payment", "cart"],
            "availability_target": 99.5}
OWN = {"inventory": 0.9995, "stripe": 0.9989, "cart": 0.999 / 0.9995,
       "payment": 0.998 / 0.9989}
OWN["checkout"] = 0.996 / (0.998 * 0.999)


@pytest.fixture
def client(container: Container, identity_provider: LocalIdentityProvider) -> Any:
    with admin_client(container, identity_provider) as test_client:
        ingest(test_client, TOPOLOGY)
        for service, ratio in SLOS.items():
            set_slo(container, service, ratio)
        yield test_client


def create(client: TestClient, body: dict[str, Any] = CHECKOUT) -> dict[str, Any]:
    response = client.post(PATH, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_journey_is_defined_listed_and_answered_with_its_composite(
        client: TestClient) -> None:
    created = create(client)
    assert (created["version"], created["steps"], created["entry_service_id"],
            created["availability_target"]) == (1, ["checkout", "payment", "cart"],
                                                "checkout", 99.5)
    listed = client.get(PATH).json()["journeys"]
    assert [j["journey_id"] for j in listed] == [created["journey_id"]]
    response = client.get(f"{PATH}/{created['journey_id']}", params={"correlation": 0})
    assert response.status_code == 200, response.text
    document = JourneyDocument.model_validate(response.json())
    # Checkout's closure holds every step: the journey is checkout's SLO, each service once.
    assert document.composite.independent.availability == pytest.approx(99.6, abs=1e-9)
    assert document.composite.independent.counted_services == 5
    assert document.composite.correlated.availability == pytest.approx(99.6, abs=1e-9)
    assert document.composite.correlated.standard_error == 0.0
    assert document.composite.availability_sources == {"active_slo": 4, "published_sla": 1}


def test_at_full_correlation_each_zone_counts_once_at_its_least_available(
        client: TestClient) -> None:
    journey_id = create(client)["journey_id"]
    body = client.get(f"{PATH}/{journey_id}", params={"correlation": 1, "seed": 3}).json()
    correlated = body["composite"]["correlated"]
    product = min(OWN["checkout"], OWN["payment"]) * min(OWN["cart"], OWN["inventory"]) \
        * OWN["stripe"]
    # 4 standard errors: the setting's 10,000 draws, 0.04 points apart at most.
    assert abs(correlated["availability"] - product * 100) \
        <= 4 * correlated["standard_error"]
    assert correlated["failure_domains"] == [
        {"domain": "zone=a", "services": ["checkout", "payment"]},
        {"domain": "zone=b", "services": ["cart", "inventory"]}]


def test_a_revision_is_a_new_version_and_a_stale_one_conflicts(client: TestClient) -> None:
    journey_id = create(client)["journey_id"]
    revised = client.put(f"{PATH}/{journey_id}", json={
        "name": "checkout", "steps": ["gateway", "checkout"], "expected_version": 1})
    assert revised.status_code == 200, revised.text
    assert revised.json()["version"] == 2
    stale = client.put(f"{PATH}/{journey_id}", json={**CHECKOUT, "expected_version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    versions = client.get(f"{PATH}/{journey_id}/versions").json()["versions"]
    assert [(v["version"], v["steps"]) for v in versions] == [
        (2, ["gateway", "checkout"]), (1, ["checkout", "payment", "cart"])]
    assert client.get("/api/v1/audit/verify").json()["valid"] is True
    trail = client.get("/api/v1/services/gateway/slo-history").json()
    assert [e["action"] for e in trail["events"]][:1] == ["journey_revised"]


@pytest.mark.parametrize(("steps", "status", "pointer"), [
    (["checkout", "ghost"], 404, None),
    (["checkout", "search"], 422, "/steps/1"),
    (["checkout", "cart", "checkout"], 422, "/steps/2"),
    ([], 422, "/steps"),
])
def test_bad_steps_are_problems_naming_the_field_and_write_nothing(
        client: TestClient, steps: list[str], status: int, pointer: str | None) -> None:
    response = client.post(PATH, json={"name": "bad", "steps": steps})
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    if pointer is None:
        assert problem["type"].endswith("service-not-found")
        assert "ghost" in problem["detail"]
    else:
        assert problem["errors"][0]["pointer"] == pointer
    assert client.get(PATH).json()["journeys"] == []


def test_an_unknown_journey_is_a_404_problem(client: TestClient) -> None:
    for path in ("/nope", "/nope/versions", "/nope/slo-recommendations"):
        response = client.get(PATH + path)
        assert response.status_code == 404
        assert response.json()["type"].endswith("journey-not-found")


def test_recommendations_give_composite_tiers_and_each_steps_share_of_the_budget(
        client: TestClient) -> None:
    journey_id = create(client)["journey_id"]
    response = client.get(f"{PATH}/{journey_id}/slo-recommendations",
                          params={"correlation": 0})
    assert response.status_code == 200, response.text
    document = JourneyRecommendationDocument.model_validate(response.json())
    tiers = {name: tier.target for name, tier in document.composite_tiers.items()}
    assert tiers == {"conservative": pytest.approx(99.2), "balanced": pytest.approx(99.6),
                     "aggressive": pytest.approx(99.8)}
    assert document.observed_tiers is None  # the empty Prometheus holds no history
    assert any("no traffic history" in note for note in document.notes)
    assert [s.service_id for s in document.steps] == ["checkout", "payment", "cart"]
    assert sum(s.unavailability for s in document.steps) == pytest.approx(0.4, abs=1e-3)
    assert sum(s.budget_share for s in document.steps) == pytest.approx(100, abs=0.05)


def test_impact_analysis_lists_the_journeys_a_change_puts_at_risk(client: TestClient) -> None:
    journey_id = create(client)["journey_id"]
    body = analyse(client, "inventory", 99.9)
    [journey] = body["journeys"]
    factor = 0.999 / 0.9995
    assert journey["journey_id"] == journey_id
    assert journey["current_composite_availability"] == pytest.approx(99.6, abs=1e-9)
    assert journey["projected_composite_availability"] == pytest.approx(
        99.6 * factor, abs=1e-4)
    assert journey["at_risk"] is False
    falling = analyse(client, "payment", 99.0)
    assert falling["journeys"][0]["at_risk"] is True
    assert falling["summary"]["journeys_at_risk"] == 1
    assert falling["summary"]["recommendation"].endswith("Journeys put at risk: checkout.")
    assert analyse(client, "search", 99.0)["journeys"] == []
