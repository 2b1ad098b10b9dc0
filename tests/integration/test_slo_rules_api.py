"""SLO as code through the API (TRD FR-10): an accepted SLO's rules, in each format,
pass promtool; without an active SLO or with an unknown format, a problem says why."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from slo_engine.adapters.promtool import Promtool
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import SettableClock, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest
from tests.integration.test_slo_lifecycle_api import TOPOLOGY, decide, recommendation
from tests.prometheus_history import prometheus_holding

RULES = "/api/v1/services/checkout/slos/alerts"


@pytest.fixture(scope="module")
def shop_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("rules-fleet")
    history = simulate_fleet(TOPOLOGY, days=8, end_s=int(time.time()) // 300 * 300, seed=5)
    write_openmetrics(history, directory / "fleet.om")
    with prometheus_holding([directory / "fleet.om"], directory / "prometheus") as server:
        yield server


@pytest.fixture
def client(falkordb_server: ServerProcess, redis_server: ServerProcess,
           shop_history: ServerProcess, tmp_path: Path,
           identity_provider: LocalIdentityProvider) -> Iterator[TestClient]:
    container = bootstrap(settings_for(falkordb_server, redis_server, tmp_path, shop_history,
                                       identity_provider), SettableClock())
    with admin_client(container, identity_provider) as test_client:
        ingest(test_client, TOPOLOGY)
        yield test_client
    container.close()


@pytest.fixture
def accepted(client: TestClient) -> dict[str, object]:
    rec = recommendation(client)
    response = decide(client, recommendation_id=rec["recommendation_id"], action="accept",
                      selected_tier="balanced")
    assert response.status_code == 201, response.text
    slo: dict[str, object] = response.json()
    return slo


def test_the_active_slos_rules_pass_promtool(client: TestClient,
                                             accepted: dict[str, object]) -> None:
    response = client.get(RULES)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/yaml")
    assert response.headers["x-rules-checked"] == "promtool"
    assert response.headers["x-slo-version"] == "1"
    groups = yaml.safe_load(response.text)["groups"]
    assert [g["name"] for g in groups] == [
        "slo-sli-recordings-checkout-availability", "slo-sli-period-checkout-availability",
        "slo-meta-recordings-checkout-availability", "slo-alerts-checkout-availability",
        "slo-sli-recordings-checkout-latency-p99", "slo-sli-period-checkout-latency-p99",
        "slo-meta-recordings-checkout-latency-p99", "slo-alerts-checkout-latency-p99"]
    objective = groups[2]["rules"][0]
    target = accepted["targets"]["availability"]  # type: ignore[index]
    assert objective["expr"] == f"vector({round(target / 100, 12)!r})"
    assert objective["labels"]["team"] == "shop"
    verdict = Promtool().check_rules({"rules.yaml": response.text})
    assert verdict.passed, verdict.output


def test_the_latency_rule_is_judged_at_a_bucket_the_histogram_has(
        client: TestClient, accepted: dict[str, object]) -> None:
    text = client.get(RULES).text
    within = next(line for line in text.splitlines() if "le=~" in line)
    assert 'http_request_duration_seconds_bucket{service="checkout", le=~"' in within
    assert "assumed to be a bucket bound" not in text


def test_the_rules_as_a_prometheus_operator_resource(client: TestClient,
                                                     accepted: dict[str, object]) -> None:
    response = client.get(RULES, params={"format": "prometheus-operator"})
    assert response.status_code == 200, response.text
    document = yaml.safe_load(response.text)
    assert (document["apiVersion"], document["kind"]) == ("monitoring.coreos.com/v1",
                                                          "PrometheusRule")
    assert document["metadata"]["name"] == "slo-checkout"
    assert len(document["spec"]["groups"]) == 8


def test_the_rules_as_a_sloth_spec(client: TestClient, accepted: dict[str, object]) -> None:
    document = yaml.safe_load(client.get(RULES, params={"format": "sloth"}).text)
    assert (document["version"], document["service"]) == ("prometheus/v1", "checkout")
    availability = document["slos"][0]
    assert availability["objective"] == accepted["targets"]["availability"]  # type: ignore[index]
    assert "{{.window}}" in availability["sli"]["events"]["total_query"]


def test_the_slo_as_openslo_documents(client: TestClient, accepted: dict[str, object]) -> None:
    response = client.get(RULES, params={"format": "openslo"})
    assert response.status_code == 200, response.text
    documents = [d for d in yaml.safe_load_all(response.text) if d]
    assert {d["kind"] for d in documents} >= {"Service", "SLO", "AlertPolicy"}
    assert "cannot express" in response.text


def test_a_service_without_an_active_slo_gets_a_404_problem(client: TestClient) -> None:
    response = client.get(RULES)
    assert response.status_code == 404
    assert response.json()["type"].endswith("/active-slo-not-found")
    assert "has no active SLO" in response.json()["detail"]


def test_an_unknown_format_is_refused_listing_the_allowed_ones(client: TestClient) -> None:
    response = client.get(RULES, params={"format": "nagios"})
    assert response.status_code == 422
    assert "prometheus-operator" in response.text
    assert "/query/format" in response.text


GENERATE = "/api/v1/artifacts/generate"


def test_generated_artifacts_are_validated_stored_once_and_audited(
        client: TestClient, accepted: dict[str, object]) -> None:
    response = client.post(GENERATE, json={"service_ids": ["checkout"]})
    assert response.status_code == 201, response.text
    first = response.json()["artifacts"]
    assert [(a["artifact_type"], a["validation_status"], a["created"]) for a in first] == [
        ("prometheus_rules", "valid", True), ("promtool_tests", "valid", True),
        ("prometheus_operator_rule", "valid", True), ("sloth_spec", "unchecked", True),
        ("grafana_dashboard", "valid", True), ("openslo", "valid", True),
        ("runbooks", "valid", True)]
    assert first[4]["media_type"] == "application/json"
    assert {a["slo_id"] for a in first} == {accepted["slo_id"]}
    assert "SUCCESS" in first[1]["validation_output"]
    again = client.post(GENERATE, json={"slo_ids": [accepted["slo_id"]]}).json()["artifacts"]
    assert [a["artifact_id"] for a in again] == [a["artifact_id"] for a in first]
    assert {a["created"] for a in again} == {False}
    record = client.get(f"/api/v1/artifacts/{first[0]['artifact_id']}").json()
    assert record["content_hash"] == first[0]["content_hash"]
    content = client.get(record["content_url"])
    assert content.status_code == 200
    assert content.text == client.get(RULES).text
    events = client.get("/api/v1/services/checkout/slo-history").json()["events"]
    assert [e["action"] for e in events].count("artifacts_generated") == 1


def test_validation_only_stores_nothing(client: TestClient,
                                        accepted: dict[str, object]) -> None:
    response = client.post(GENERATE, json={"service_ids": ["checkout"],
                                           "artifact_types": ["prometheus_rules"],
                                           "validation_only": True})
    assert response.status_code == 201, response.text
    (only,) = response.json()["artifacts"]
    assert (only["stored"], only["validation_status"]) == (False, "valid")
    assert client.get(f"/api/v1/artifacts/{only['artifact_id']}").status_code == 404


def test_an_slo_that_is_not_active_is_named_in_a_400_problem(
        client: TestClient, accepted: dict[str, object]) -> None:
    response = client.post(GENERATE, json={"slo_ids": [accepted["slo_id"], "slo-gone"]})
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"].endswith("/slo-not-active")
    assert problem["errors"] == [{"pointer": "/slo_ids", "message": (
        "'slo-gone' is no service's active SLO (superseded or unknown): generate from the "
        "active version")}]


def test_a_request_naming_nothing_to_generate_is_refused(client: TestClient) -> None:
    response = client.post(GENERATE, json={"artifact_types": ["bogus"]})
    assert response.status_code == 422
    assert "prometheus_rules" in response.text


def test_a_service_that_publishes_no_request_counter_gets_a_problem_naming_it(
        client: TestClient) -> None:
    ingest(client, graph("manual", [("checkout", "ghost")],
                         [{"service_id": "ghost", "metadata": {"team": "shop"}}]))
    rec = recommendation(client, "ghost")
    assert decide(client, "ghost", recommendation_id=rec["recommendation_id"],
                  action="accept").status_code == 201
    response = client.get("/api/v1/services/ghost/slos/alerts")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert 'http_requests_total{service="ghost"}' in problem["detail"]
    assert "SLO_ENGINE_SLI_REQUESTS_METRIC" in problem["errors"][0]["message"]
    generated = client.post(GENERATE, json={"service_ids": ["ghost"]})
    assert generated.status_code == 422


def test_a_dry_run_replays_the_alerts_on_the_services_history(
        client: TestClient, accepted: dict[str, object]) -> None:
    response = client.post(GENERATE, json={"service_ids": ["checkout"], "dry_run": True,
                                           "artifact_types": ["prometheus_rules"]})
    assert response.status_code == 201, response.text
    (dry_run,) = response.json()["dry_runs"]
    assert (dry_run["service_id"], dry_run["slo_id"], dry_run["method"]) == (
        "checkout", accepted["slo_id"], "replay")
    assert {s["severity"] for s in dry_run["severities"]} == {"page", "ticket"}
    assert {p["sli"] for p in dry_run["periods"]} == {"availability", "latency-p99"}
    assert len(dry_run["periods"]) == 2  # the 30-day window is one period of each SLI
