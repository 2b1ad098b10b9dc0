"""Impact analysis through the API on a known topology (AC-004), with hand-computed answers.

SLOs are set through the real decision path on stored recommendations; with no metrics
store, availabilities come from active SLOs and published SLAs only.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.api.impact import ImpactAnalysisView
from slo_engine.application.decide_slo import SloDecision
from slo_engine.application.ports import RecommendationWindow
from slo_engine.runtime.bootstrap import Container
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest

STRIPE = {"service_id": "stripe", "metadata": {"service_type": "external",
                                               "published_sla": 0.9999}}
TOPOLOGY = graph("manual", [
    ("gateway", "checkout"), ("mobile-bff", "checkout"),
    ("checkout", "payment"), ("checkout", "cart"), ("payment", "stripe"),
    ("search", "payment", {"criticality": "soft"}),
    ("payment", "adyen", {"redundancy_group": "cards"}),
    ("payment", "worldpay", {"redundancy_group": "cards"}),
    ("cart", "inventory"), ("inventory", "pricing"), ("pricing", "inventory"),
], ["gateway", "mobile-bff", "checkout", "payment", "cart", "search", STRIPE, "adyen",
    "worldpay", "inventory", "pricing"])
SLOS = {"payment": 0.998, "cart": 0.9995, "checkout": 0.995, "gateway": 0.99,
        "adyen": 0.99, "worldpay": 0.99}


@pytest.fixture
def client(container: Container, identity_provider: LocalIdentityProvider) -> Any:
    with admin_client(container, identity_provider) as test_client:
        ingest(test_client, TOPOLOGY)
        for service, ratio in SLOS.items():
            set_slo(container, service, ratio)
        yield test_client


def set_slo(container: Container, service: str, ratio: float) -> None:
    rec_id, now = str(uuid.uuid4()), container.clock.now_ms()
    window = RecommendationWindow("availability", 30, 30)
    container.graph.store_recommendation(service, rec_id, window, 1, {},
                                         {"availability_ratio": {"balanced": ratio}}, now,
                                         now + 86_400_000)
    container.decisions.decide(service, SloDecision(rec_id, "accept", "sre@example.com"))


def analyse(client: TestClient, service: str, proposed: float, **change: Any
            ) -> dict[str, Any]:
    response = client.post("/api/v1/slos/impact-analysis", json={
        "service_id": service, "proposed_change": {"sli_type": "availability",
                                                   "proposed_target": proposed, **change}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    # Serialised without FastAPI's validation (for speed): it must still fit its model.
    ImpactAnalysisView.model_validate(body)
    return body


def by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["service_id"]: i for i in body["impacted_services"]}


def test_ac004_every_upstream_service_with_projection_and_risk(client: TestClient) -> None:
    body = analyse(client, "payment", 99.5)
    assert body["proposed_change"]["current_target"] == 99.8
    assert body["proposed_change"]["current_target_source"] == "active_slo"
    impacted = by_id(body)
    assert set(impacted) == {"checkout", "gateway", "mobile-bff", "search"}
    factor = 0.995 / 0.998
    # checkout needs payment (cards group inside) and cart (-> the inventory/pricing cycle)
    checkout = impacted["checkout"]
    cards = 1 - (1 - 0.99) ** 2
    # own(payment) = 0.998 / (stripe 0.9989 x cards); the bound multiplies own values back
    bound = 0.998 * 0.9995
    assert checkout["current_composite_availability"] == pytest.approx(bound * 100, abs=1e-4)
    assert checkout["projected_composite_availability"] == pytest.approx(
        bound * factor * 100, abs=1e-4)
    assert (checkout["relationship"], checkout["current_slo_target"]) == ("upstream", 99.5)
    assert checkout["slo_at_risk"] is True
    assert checkout["risk_detail"].startswith("Composite drops below SLO target (99.5% >")
    assert checkout["method"] == "exact"  # the cards group sits under it
    gateway = impacted["gateway"]
    assert gateway["relationship"] == "upstream (transitive)"
    assert gateway["current_composite_availability"] == pytest.approx(99.5, abs=1e-4)
    assert gateway["projected_composite_availability"] == pytest.approx(
        99.5 * factor, abs=1e-4)
    assert gateway["slo_at_risk"] is False
    assert impacted["mobile-bff"]["slo_at_risk"] is None  # no SLO to compare against
    search = impacted["search"]
    assert (search["affects_composite"], search["delta"]) == (False, 0)
    assert next(i["service_id"] for i in body["impacted_services"]) == "checkout"
    assert body["summary"] == {
        "total_impacted": 4, "slos_at_risk": 1, "journeys_at_risk": 0,
        "recommendation": "Reducing payment to 99.5% puts 1 upstream service(s) at risk "
                          "of SLO breach."}
    assert cards > 0.999


def test_a_redundancy_group_member_barely_moves_its_caller(client: TestClient) -> None:
    body = analyse(client, "adyen", 90.0)
    payment = by_id(body)["payment"]
    # payment's bound: stripe x cards; adyen 0.99 -> 0.90 moves the group 0.9999 -> 0.999
    stripe = 0.9999 - 0.001
    assert payment["current_composite_availability"] == pytest.approx(
        stripe * 0.9999 * 100, abs=1e-4)
    assert payment["projected_composite_availability"] == pytest.approx(
        stripe * 0.999 * 100, abs=1e-4)


def test_a_change_inside_a_cycle_is_noted_and_reaches_its_callers(client: TestClient) -> None:
    body = analyse(client, "pricing", 99.0, current_target=99.9)
    assert body["cycle"] == ["inventory", "pricing"]
    impacted = by_id(body)
    assert impacted["inventory"]["note"].startswith("in a dependency cycle")
    assert {"cart", "checkout", "gateway", "mobile-bff"} <= set(impacted)
    assert impacted["cart"]["delta"] < 0


def test_an_external_change_is_traced_through_everything_that_depends_on_it(
    client: TestClient,
) -> None:
    body = analyse(client, "stripe", 99.0)
    assert body["proposed_change"]["current_target_source"] == "published_sla"
    assert set(by_id(body)) == {"payment", "checkout", "gateway", "mobile-bff", "search"}


def test_latency_changes_and_unknown_services_are_refused_clearly(client: TestClient) -> None:
    response = client.post("/api/v1/slos/impact-analysis", json={
        "service_id": "payment", "proposed_change": {"sli_type": "latency",
                                                     "proposed_target": 99}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/proposed_change/sli_type"
    missing = client.post("/api/v1/slos/impact-analysis", json={
        "service_id": "nope", "proposed_change": {"proposed_target": 99}})
    assert missing.status_code == 404


def test_a_new_slo_changes_the_next_analysis(client: TestClient, container: Container) -> None:
    assert by_id(analyse(client, "payment", 99.5))["mobile-bff"]["slo_at_risk"] is None
    set_slo(container, "mobile-bff", 0.9949)
    assert by_id(analyse(client, "payment", 99.5))["mobile-bff"]["slo_at_risk"] is True
