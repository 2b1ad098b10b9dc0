"""The SLO lifecycle through the API (AC-005, AC-006), on real recommendations computed
from a real Prometheus, with the audit chain verified and attacked in the store."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.application.decide_slo import SloDecision
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import SettableClock, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest
from tests.prometheus_history import prometheus_holding

CRITICALITY = {"checkout": "critical", "payment": "high", "cart": "low", "search": "low"}
SERVICES = list(CRITICALITY)
TOPOLOGY = graph("manual", [("checkout", "payment"), ("checkout", "cart")],
                 [{"service_id": s, "metadata": {"criticality": c, "team": "shop"}}
                  for s, c in CRITICALITY.items()])
HOLIDAY = "target too aggressive for upcoming holiday traffic"


@pytest.fixture(scope="module")
def small_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("lifecycle-fleet")
    history = simulate_fleet(TOPOLOGY, days=8, end_s=int(time.time()) // 300 * 300, seed=5)
    write_openmetrics(history, directory / "fleet.om")
    with prometheus_holding([directory / "fleet.om"], directory / "prometheus") as server:
        yield server


@pytest.fixture
def container(falkordb_server: ServerProcess, redis_server: ServerProcess,
              small_fleet: ServerProcess, tmp_path: Path,
              identity_provider: LocalIdentityProvider) -> Iterator[Container]:
    built = bootstrap(settings_for(falkordb_server, redis_server, tmp_path, small_fleet,
                                   identity_provider), SettableClock())
    yield built
    built.close()


@pytest.fixture
def client(container: Container, identity_provider: LocalIdentityProvider
           ) -> Iterator[TestClient]:
    with admin_client(container, identity_provider) as test_client:
        ingest(test_client, TOPOLOGY)
        yield test_client


def recommendation(client: TestClient, service: str = "checkout", **params: Any
                   ) -> dict[str, Any]:
    response = client.get(f"/api/v1/services/{service}/slo-recommendations",
                          params={"force_regenerate": True, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def tier(body: dict[str, Any], sli: str, name: str = "balanced") -> dict[str, Any]:
    (rec,) = [r for r in body["recommendations"] if r["sli_type"] == sli]
    result: dict[str, Any] = rec["tiers"][name]
    return result


def decide(client: TestClient, service: str = "checkout", **body: Any) -> Any:
    return client.post(f"/api/v1/services/{service}/slos", json=body)


def verify(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/audit/verify")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def test_ac005_accepting_activates_the_tier_and_audits_who_and_why(client: TestClient) -> None:
    rec = recommendation(client)
    response = decide(client, recommendation_id=rec["recommendation_id"], action="accept",
                      selected_tier="balanced", rationale="matches our error budget policy")
    assert response.status_code == 201, response.text
    slo = response.json()
    assert slo["status"] == "active"
    assert slo["version"] == 1
    assert slo["targets"]["availability"] == tier(rec, "availability")["target"]
    assert slo["targets"]["latency_p99_ms"] == tier(rec, "latency")["target_ms"]
    assert (slo["source"], slo["activated_by"]) == ("recommendation_accepted",
                                                    "jane@example.com")
    listed = client.get("/api/v1/services/checkout/slos").json()
    assert listed["active"]["slo_id"] == slo["slo_id"]
    (event,) = client.get("/api/v1/services/checkout/slo-history").json()["events"]
    assert (event["action"], event["actor"], event["rationale"]) == (
        "accept", "jane@example.com", "matches our error budget policy")
    assert event["previous_slo"] is None
    assert event["new_slo"]["slo_id"] == slo["slo_id"]
    assert verify(client) == {"valid": True, "events_checked": 1, "first_broken_link": None}


def test_ac005_a_modification_supersedes_and_preserves_the_previous_version(
    client: TestClient,
) -> None:
    first = decide(client, recommendation_id=recommendation(client)["recommendation_id"],
                   action="accept").json()
    rec = recommendation(client)
    recommended = tier(rec, "availability")["target"]
    response = decide(client, recommendation_id=rec["recommendation_id"], action="modify",
                      modifications={"availability_target": 99.5, "latency_p99_target_ms": 900},
                      rationale="adding a payment fallback next sprint", expected_version=1)
    assert response.status_code == 201, response.text
    second = response.json()
    assert second["version"] == 2
    assert second["source"] == "recommendation_modified"
    assert second["targets"]["availability"] == 99.5
    assert second["targets"]["latency_p99_ms"] == 900
    delta = second["modification_delta"]["availability"]
    assert delta == f"{99.5 - recommended:+.6g} from recommended {recommended:.6g}"
    slos = client.get("/api/v1/services/checkout/slos").json()
    assert [(v["version"], v["status"]) for v in slos["versions"]] == [
        (2, "active"), (1, "superseded")]
    assert {k: v for k, v in slos["versions"][1].items() if k != "status"} == {
        k: v for k, v in first.items() if k not in ("status", "audit_sequence")}
    newest = client.get("/api/v1/services/checkout/slo-history").json()["events"][0]
    assert newest["action"] == "modify"
    assert newest["previous_slo"]["slo_id"] == first["slo_id"]


def test_ac006_a_rejection_keeps_its_rationale_and_marks_the_recommendation(
    client: TestClient, container: Container,
) -> None:
    rec_id = recommendation(client)["recommendation_id"]
    response = decide(client, recommendation_id=rec_id, action="reject", rationale=HOLIDAY)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"
    (event,) = client.get("/api/v1/services/checkout/slo-history").json()["events"]
    assert (event["action"], event["rationale"], event["new_slo"]) == ("reject", HOLIDAY, None)
    stored = container.ledger.get_recommendation(rec_id)
    assert stored is not None
    assert stored["status"] == "rejected"
    assert client.get("/api/v1/services/checkout/slos").json()["active"] is None


def test_a_rejection_without_rationale_is_refused_naming_the_field(client: TestClient) -> None:
    rec_id = recommendation(client)["recommendation_id"]
    response = decide(client, recommendation_id=rec_id, action="reject")
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/rationale"
    assert verify(client)["events_checked"] == 0


def test_deciding_twice_or_against_an_old_version_conflicts_with_the_current_slo(
    client: TestClient,
) -> None:
    rec_id = recommendation(client)["recommendation_id"]
    accepted = decide(client, recommendation_id=rec_id, action="accept").json()
    again = decide(client, recommendation_id=rec_id, action="accept")
    assert again.status_code == 409
    assert again.json()["current_slo"]["slo_id"] == accepted["slo_id"]
    stale = decide(client, recommendation_id=recommendation(client)["recommendation_id"],
                   action="accept", expected_version=0)
    assert stale.status_code == 409
    assert "no longer version 0" in stale.json()["detail"]


def test_unknown_or_foreign_recommendations_are_not_found(client: TestClient) -> None:
    assert decide(client, recommendation_id="nope", action="accept").status_code == 404
    foreign = recommendation(client, "payment")["recommendation_id"]
    assert decide(client, recommendation_id=foreign, action="accept").status_code == 404


def test_two_concurrent_decisions_on_one_recommendation_one_wins_one_conflicts(
    client: TestClient, container: Container,
) -> None:
    rec_id = recommendation(client)["recommendation_id"]
    start = threading.Barrier(2)

    def race(body: dict[str, Any]) -> int:
        start.wait()
        return int(decide(client, recommendation_id=rec_id, **body).status_code)

    with ThreadPoolExecutor(2) as pool:
        codes = list(pool.map(race, [{"action": "accept"}, {
            "action": "modify", "modifications": {"availability_target": 99.0}}]))
    assert sorted(codes) == [201, 409]
    assert len(container.ledger.slo_versions("checkout")) == 1
    assert verify(client) == {"valid": True, "events_checked": 1, "first_broken_link": None}


def test_concurrent_decisions_on_different_services_all_land_in_one_chain(
    client: TestClient, container: Container,
) -> None:
    ids = {s: recommendation(client, s)["recommendation_id"] for s in SERVICES}
    start = threading.Barrier(len(SERVICES))

    def accept(service: str) -> int:
        start.wait()
        outcome = container.decisions.decide(service, SloDecision(ids[service], "accept",
                                                                  "bot"))
        return outcome.audit_sequence

    with ThreadPoolExecutor(len(SERVICES)) as pool:
        sequences = sorted(pool.map(accept, SERVICES))
    assert sequences == [1, 2, 3, 4]
    assert verify(client) == {"valid": True, "events_checked": 4, "first_broken_link": None}


def test_an_event_altered_in_the_store_is_found_by_verification(
    client: TestClient, container: Container,
) -> None:
    for service in ("checkout", "payment", "cart"):
        rec_id = recommendation(client, service)["recommendation_id"]
        assert decide(client, service, recommendation_id=rec_id,
                      action="accept").status_code == 201
    graph_name = container.settings.falkordb_graph
    raw = container.redis.__class__.from_url(container.settings.falkordb_url or "")
    raw.execute_command(  # type: ignore[no-untyped-call]  # redis-py leaves it unannotated
        "GRAPH.QUERY", graph_name, "MATCH (e:AuditEvent {sequence: 2}) SET e.actor = 'mallory'")
    raw.close()
    result = verify(client)
    assert result["valid"] is False
    assert result["first_broken_link"]["sequence"] == 2
    assert "altered" in result["first_broken_link"]["reason"]


def add_rule(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/auto-approval-rules", json={
        "name": "low criticality",
        "conditions": {"criticality": ["low"], "confidence_min": 0.5}, **body})
    assert response.status_code == 201, response.text
    rule: dict[str, Any] = response.json()
    return rule


def test_ac011_a_matching_recommendation_is_auto_approved_and_audited(
    client: TestClient,
) -> None:
    rule = add_rule(client, enabled=True)
    rec = recommendation(client, "search", lookback_days=7)
    assert rec["auto_approved"]["version"] == 1
    slos = client.get("/api/v1/services/search/slos").json()
    active = slos["active"]
    assert (active["source"], active["selected_tier"]) == ("recommendation_auto_approved",
                                                           "balanced")
    assert active["targets"]["availability"] == tier(rec, "availability")["target"]
    (event,) = client.get("/api/v1/services/search/slo-history").json()["events"]
    assert (event["action"], event["actor"]) == ("auto_approve",
                                                 f"auto-approval-rule:{rule['rule_id']}")
    assert event["rationale"] == "Matched auto-approval rule 'low criticality'"
    # the same targets again make no new version; a critical service is left to people
    assert "auto_approved" not in recommendation(client, "search", lookback_days=7)
    assert len(client.get("/api/v1/services/search/slos").json()["versions"]) == 1
    assert "auto_approved" not in recommendation(client, "checkout", lookback_days=7)
    assert verify(client)["valid"] is True


def test_rules_are_disabled_by_default_and_managed_through_the_api(client: TestClient) -> None:
    rule = add_rule(client)
    assert rule["enabled"] is False
    assert "auto_approved" not in recommendation(client, "cart", lookback_days=7)
    path = f"/api/v1/auto-approval-rules/{rule['rule_id']}"
    enabled = client.patch(path, json={"enabled": True})
    assert enabled.status_code == 200
    assert enabled.json()["enabled"] is True
    assert enabled.json()["conditions"]["criticality"] == ["low"]
    assert client.get("/api/v1/auto-approval-rules").json()["items"][0]["enabled"] is True
    assert "auto_approved" in recommendation(client, "cart", lookback_days=7)
    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404
    assert client.delete(path).status_code == 404


def test_a_rule_with_an_unknown_condition_is_refused_naming_it(client: TestClient) -> None:
    response = client.post("/api/v1/auto-approval-rules", json={
        "name": "x", "conditions": {"criticalty": ["low"]}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/conditions/criticalty"


def test_dashboards_summarise_coverage_budget_health_and_decisions(
    client: TestClient, container: Container,
) -> None:
    accepted = {}
    for service in ("checkout", "cart"):
        rec = recommendation(client, service)
        accepted[service] = decide(client, service, recommendation_id=rec["recommendation_id"],
                                   action="accept").json()
    decide(client, "payment", recommendation_id=recommendation(client, "payment")[
        "recommendation_id"], action="reject", rationale=HOLIDAY)
    coverage = client.get("/api/v1/dashboard/coverage").json()
    assert (coverage["services"], coverage["with_slo"], coverage["coverage"]) == (4, 2, 0.5)
    assert coverage["by_criticality"]["low"] == {"services": 2, "with_slo": 1, "coverage": 0.5}
    assert coverage["by_team"]["shop"]["with_slo"] == 2

    end = container.clock.now_ms() // 1000 // 900 * 900
    history = container.history
    assert client.portal is not None  # the fixture's client is entered
    assert history is not None  # the settings name a Prometheus
    observed = client.portal.call(history.telemetry.availabilities,
                                  ["checkout", "cart"], end - 30 * 86_400, end)
    measured = {s: a for s, a in observed.items() if a is not None}
    assert measured.keys() == observed.keys()  # both services had traffic
    expected = {s: (1 - measured[s]) / (1 - accepted[s]["targets"]["availability"] / 100)
                for s in accepted}
    health = client.get("/api/v1/dashboard/error-budget-health").json()
    assert health["services_measured"] == 2
    assert health["stale"] is False
    assert {i["service_id"]: i["budget_consumed"] for i in health["most_consumed"]} == {
        s: pytest.approx(v, abs=1e-4) for s, v in expected.items()}
    quality = client.get("/api/v1/dashboard/recommendation-quality").json()
    assert (quality["decisions"], quality["accepted_rate"], quality["rejected_rate"]) == (
        3, 0.6667, 0.3333)
    assert quality["by_criticality"]["high"]["rejected_rate"] == 1.0
    assert quality["slos_measured"] == 2
    assert quality["slos_breached"] == sum(1 for v in expected.values() if v > 1)
