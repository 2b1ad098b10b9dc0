"""Every simulation is stored as a (:Simulation) with its audit event, and can be read
back (GET /simulations/{id}, GET /services/{id}/simulations); against FalkorDB, Redis and
a real Prometheus holding tests/simulation_history.py. Jobs run inline here; in real
worker processes: tests/integration/test_simulation_jobs.py."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from slo_engine.api.simulation_schemas import StoredSimulationView
from slo_engine.domain.artifact import content_hash
from slo_engine.domain.audit_chain import canonical_json
from slo_engine.runtime.bootstrap import Container
from tests.integration.simulation_engine import PATH, WEEKLY


def _posted(client: TestClient, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    response = client.post(PATH.format("checkout"), json=body)
    assert response.status_code == 200, response.text
    return response.json(), response.headers["content-location"]


def test_an_inline_simulation_is_stored_and_reads_back_as_it_was_answered(
        simulation_client: TestClient) -> None:
    document, location = _posted(simulation_client, WEEKLY)
    assert location == f"/api/v1/simulations/{document['simulation_id']}"
    stored = simulation_client.get(location).json()
    StoredSimulationView.model_validate(stored)
    assert stored["document"] == document
    assert stored["content_hash"] == content_hash(canonical_json(document))
    assert stored["content_intact"] is True
    assert (stored["service_id"], stored["run_mode"], stored["slo_id"]) == (
        "checkout", "inline", None)
    assert stored["inputs"] == {**WEEKLY, "targets": {"availability": 99.0, "latency": []},
                                "run": "auto"}
    assert stored["summary"]["slis"] == [{
        "sli_type": "availability", "target": 99.0, "percentile": None,
        "rolling_breached": 5, "rolling_periods": 8,
        "breach_probability": document["slis"][0]["monte_carlo"]["breach_probability"]}]
    assert 0 < stored["estimated_seconds"] < 1


def test_storing_a_simulation_leaves_the_audit_chain_alone(
        simulation_client: TestClient, simulation_engine: Container) -> None:
    """A simulation decides nothing; the chain (and impact analysis' baseline, keyed by
    its head) stays as it was."""
    head = simulation_engine.ledger.audit_head()
    _posted(simulation_client, WEEKLY)
    assert simulation_engine.ledger.audit_head() == head
    assert simulation_client.get("/api/v1/services/checkout/slo-history").json()[
        "events"] == []


def test_a_service_lists_its_simulations_newest_first(simulation_client: TestClient,
                                                      simulation_engine: Container) -> None:
    clock = simulation_engine.clock
    first, _ = _posted(simulation_client, WEEKLY)
    clock.now += 1000  # type: ignore[attr-defined]
    what_if, _ = _posted(simulation_client, {"what_if": {"dependencies": [
        {"service_id": "newbie", "change": "availability", "availability": 99}]}})
    listed = simulation_client.get("/api/v1/services/checkout/simulations").json()["items"]
    assert [i["simulation_id"] for i in listed] == [what_if["simulation_id"],
                                                    first["simulation_id"]]
    assert listed[0]["summary"] == {"slis": [], "what_if": {
        "dependencies": what_if["what_if"]["dependencies"]["recommendation"]}}
    assert simulation_client.get("/api/v1/services/plain/simulations").json() == {"items": []}
    limited = simulation_client.get("/api/v1/services/checkout/simulations?limit=1").json()
    assert len(limited["items"]) == 1


def test_asking_to_queue_answers_202_with_the_jobs_url_and_the_result_is_stored(
        simulation_client: TestClient) -> None:
    response = simulation_client.post(PATH.format("checkout"), json={**WEEKLY,
                                                                     "run": "queued"})
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert response.headers["location"] == accepted["status_url"] == (
        f"/api/v1/jobs/simulate_slo-{accepted['simulation_id']}")
    assert accepted["queue_above_seconds"] == 0.0
    job = simulation_client.get(accepted["status_url"]).json()  # inline: already done
    assert job["status"] == "finished", job
    assert job["kind"] == "simulate_slo"
    assert job["result"]["simulation_url"] == accepted["simulation_url"]
    assert job["progress"] == {"done": 2, "total": 2, "failed": 0}
    stored = simulation_client.get(accepted["simulation_url"]).json()
    assert stored["run_mode"] == "queued"
    assert stored["document"]["simulation_id"] == accepted["simulation_id"]
    assert stored["document"]["slis"][0]["backtest"]["rolling"]["periods_breached"] == 5


def test_unknown_simulations_and_services_are_404_problems(
        simulation_client: TestClient) -> None:
    missing = simulation_client.get("/api/v1/simulations/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("simulation-not-found")
    unknown = simulation_client.get("/api/v1/services/nobody/simulations")
    assert unknown.status_code == 404
    assert unknown.json()["type"].endswith("service-not-found")


def test_a_refused_simulation_stores_nothing(simulation_client: TestClient) -> None:
    response = simulation_client.post(PATH.format("checkout"), json={
        **WEEKLY, "iterations": 10_001})
    assert response.status_code == 422
    assert simulation_client.get("/api/v1/services/checkout/simulations").json() == {
        "items": []}
