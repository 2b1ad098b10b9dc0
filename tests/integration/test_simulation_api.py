"""POST /services/{id}/slos/simulate against a real Prometheus holding the hand-computed
history of tests/simulation_history.py (its numbers: tests/unit/test_simulate_slo_on_fakes.py),
and the problems every bad input answers."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.api.simulation_schemas import SimulationDocument
from slo_engine.runtime.bootstrap import Container
from slo_engine.runtime.processes import ServerProcess
from tests.identity_provider import LocalIdentityProvider
from tests.integration.simulation_engine import (
    PATH,
    WEEKLY,
    client_of,
    engine_at_end,
    iso,
    simulate,
)
from tests.simulation_history import END, WEEKS_START, at


@pytest.fixture
def engine(simulation_engine: Container) -> Container:
    return simulation_engine


@pytest.fixture
def client(simulation_client: TestClient) -> TestClient:
    return simulation_client


def test_the_backtest_finds_the_hand_computed_breaches_in_prometheus(
        client: TestClient) -> None:
    availability = simulate(client, WEEKLY)["slis"][0]
    assert availability["sli_type"] == "availability"
    assert availability["target"] == 99.0
    rolling, calendar = availability["backtest"]["rolling"], availability["backtest"]["calendar"]
    assert rolling["breaches"] == [{"start": iso(at(2161)), "end": iso(at(2962))},
                                   {"start": iso(at(3611)), "end": None}]
    assert (rolling["periods_total"], rolling["periods_breached"]) == (8, 5)
    assert calendar["breaches"] == [{"start": iso(at(3611)), "end": iso(END)}]
    assert [p["budget_consumed"] for p in calendar["periods"]] == [99.21, 173.61]
    assert calendar["periods"][1]["time_to_exhaustion_seconds"] == 3611 * 300 - 7 * 86_400
    assert len(calendar["budget_remaining"]) == 14


def test_the_document_names_its_inputs_and_its_method(client: TestClient,
                                                      engine: Container) -> None:
    document = simulate(client, WEEKLY)
    SimulationDocument.model_validate(document)
    provenance = document["provenance"]
    assert provenance["history_window"] == {"start": iso(WEEKS_START), "end": iso(END)}
    assert (provenance["history_step_seconds"], provenance["days_of_history"]) == (300, 14.0)
    assert provenance["graph_version"] == engine.graph.graph_version()
    assert (provenance["seed"], provenance["iterations"]) == (7, 500)
    assert document["slo"]["source"] == "explicit"
    monte_carlo = document["slis"][0]["monte_carlo"]
    assert monte_carlo["period"] == {"start": iso(END), "end": iso(END + 7 * 86_400)}
    assert set(monte_carlo["budget_consumed_quantiles"]) == {"p05", "p25", "p50", "p75",
                                                             "p95", "p99"}
    assert "Wilson" in document["method"]["breach_interval"]


def test_the_same_seed_gives_the_same_monte_carlo(client: TestClient) -> None:
    first, again = simulate(client, WEEKLY), simulate(client, WEEKLY)
    assert first["slis"][0]["monte_carlo"] == again["slis"][0]["monte_carlo"]
    other = simulate(client, {**WEEKLY, "seed": 8})
    assert other["slis"][0]["monte_carlo"] != first["slis"][0]["monte_carlo"]


def test_a_latency_target_is_judged_at_the_rules_bucket(client: TestClient) -> None:
    body = {**WEEKLY, "targets": {"latency": [{"percentile": 99.9, "threshold_ms": 200}]}}
    latency = simulate(client, body)["slis"][0]
    assert (latency["percentile"], latency["threshold_ms"], latency["judged_at_bucket_ms"]) \
        == ("p999", 200.0, 250.0)
    assert latency["backtest"]["calendar"]["periods_breached"] == 2
    assert latency["monte_carlo"]["breach_probability"] == 1.0


@pytest.mark.parametrize(("body", "service_id", "status", "slug"), [
    (WEEKLY, "nobody", 404, "service-not-found"),
    ({**WEEKLY, "targets": None, "slo_id": "x"}, "checkout", 404, "active-slo-not-found"),
    ({**WEEKLY, "targets": None, "tier": "balanced"}, "checkout", 404,
     "recommendation-not-found"),
])
def test_unknown_services_and_slos_are_404_problems(client: TestClient, body: dict[str, Any],
                                                    service_id: str, status: int, slug: str
                                                    ) -> None:
    response = client.post(PATH.format(service_id), json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith(slug)


@pytest.mark.parametrize(("body", "pointer"), [
    ({**WEEKLY, "targets": {"availability": 100.5}}, "/targets/availability"),
    ({**WEEKLY, "targets": {"latency": [{"percentile": 99, "threshold_ms": 0}]}},
     "/targets/latency/0/threshold_ms"),
    ({**WEEKLY, "targets": {"latency": [{"percentile": 99, "threshold_ms": 300},
                                        {"percentile": 99.0, "threshold_ms": 200}]}},
     "/targets/latency/1/percentile"),
    ({**WEEKLY, "iterations": 10_001}, "/iterations"),
    ({**WEEKLY, "historical_window_days": 366}, "/historical_window_days"),
    ({**WEEKLY, "historical_window_days": 7, "period_days": 30}, "/historical_window_days"),
    ({**WEEKLY, "period_days": 10}, "/period_days"),
    ({**WEEKLY, "tier": "balanced"}, "/targets"),
    ({**WEEKLY, "what_if": {"traffic_multiplier": 0}}, "/what_if/traffic_multiplier"),
    ({"what_if": {"dependencies": [{"service_id": "newbie", "change": "availability",
                                    "availability": 100.5}]}},
     "/what_if/dependencies/0/availability"),
    ({"what_if": {"dependencies": [{"service_id": "ghost", "change": "remove"}]}},
     "/what_if/dependencies/0/service_id"),
    ({"what_if": {"dependencies": [{"service_id": "plain", "change": "availability",
                                    "availability": 99}]}},
     "/what_if/dependencies/0/service_id"),
    ({"what_if": {}}, "/what_if"),
])
def test_impossible_parameters_are_422_problems_naming_the_field(
        client: TestClient, body: dict[str, Any], pointer: str) -> None:
    response = client.post(PATH.format("checkout"), json=body)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["pointer"] == pointer


def test_history_too_short_for_the_window_says_how_much_exists(client: TestClient) -> None:
    response = client.post(PATH.format("newbie"), json={**WEEKLY, "targets": {
        "availability": 99.9}})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"].endswith("insufficient-history")
    assert problem["history_days"] == 3.0
    assert problem["history_start"] == "2024-01-12T00:00:00+00:00"
    assert problem["errors"] == [{"pointer": "/historical_window_days",
                                  "message": "at most 3 days of history exist"}]
    assert "has 3.0 days of request history" in problem["detail"]


def test_a_simulation_past_its_limit_is_a_504_problem(
        history_prometheus: ServerProcess, falkordb_server: ServerProcess,
        redis_server: ServerProcess, tmp_path: Path,
        identity_provider: LocalIdentityProvider) -> None:
    container = engine_at_end(history_prometheus, falkordb_server, redis_server, tmp_path,
                        identity_provider, simulation_time_limit_seconds=0.001)
    try:
        with client_of(container, identity_provider) as client:
            response = client.post(PATH.format("checkout"), json=WEEKLY)
    finally:
        container.close()
    assert response.status_code == 504
    assert response.json()["type"].endswith("simulation-timeout")


def test_a_metrics_store_that_does_not_answer_is_a_503_with_retry_after(
        falkordb_server: ServerProcess, redis_server: ServerProcess, tmp_path: Path,
        identity_provider: LocalIdentityProvider) -> None:
    container = engine_at_end(None, falkordb_server, redis_server, tmp_path, identity_provider,
                        prometheus_url="http://127.0.0.1:9", embedded_prometheus=False)
    try:
        with client_of(container, identity_provider) as client:
            response = client.post(PATH.format("checkout"), json=WEEKLY)
    finally:
        container.close()
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.json()["type"].endswith("dependency-unavailable")


def test_a_what_if_alone_answers_the_projected_bound_in_words(client: TestClient) -> None:
    """newbie has never failed: checkout's bound is 100% until it is at 99%, and a fallback
    at 99.9% lifts it to 1 - 1% x 0.1%."""
    document = simulate(client, {"what_if": {"dependencies": [
        {"service_id": "newbie", "change": "availability", "availability": 99},
        {"service_id": "newbie", "change": "fallback", "availability": 99.9}]}})
    SimulationDocument.model_validate(document)
    assert (document["slo"], document["slis"], document["provenance"]) == (None, [], None)
    answer = document["what_if"]["dependencies"]
    assert answer["current_bound"]["availability"] == 100.0
    assert answer["projected_bound"]["availability"] == 99.999
    assert answer["projected_bound"]["counted_services"] == 3  # the fallback counts
    assert answer["recommendation"] == (
        "Newbie at 99.00% and adding a fallback for newbie (one at 99.90%) lowers the bound "
        "from 100.000% to 99.999%; the balanced target can then be up to 99.999%.")
    assert answer["upstream_slos_at_risk"] == []
    assert document["what_if"]["capacity"] is None


def test_ten_times_the_traffic_queues_under_the_stated_m_m_c_model(
        client: TestClient) -> None:
    """100 requests every 5 minutes, median 55.6 ms: one server per replica (Little's law
    at 50%), M/M/1 at 1/54 utilisation, 10/54 with ten times the traffic."""
    document = simulate(client, {**WEEKLY, "what_if": {"traffic_multiplier": 10}})
    capacity = document["what_if"]["capacity"]
    assert len(document["slis"]) == 1  # the backtest runs too
    assert capacity["observed_peak_rps"] == pytest.approx(1 / 3, rel=1e-3)
    assert capacity["service_time_ms"] == pytest.approx(1000 / 18, rel=1e-3)
    assert capacity["projected_utilisation"] == pytest.approx(10 / 54, rel=1e-3)
    before = math.log((1 / 54) / 0.01) / (18 - 1 / 3)
    after = math.log((10 / 54) / 0.01) / (18 - 10 / 3)
    assert capacity["latency_ms"]["p99"]["projected"] == pytest.approx(
        (0.25 - before + after) * 1000, rel=1e-3)
    assert capacity["saturated"] is False
    assert capacity["error_ratio"] == pytest.approx(100 * 55 / (14 * 288), rel=0.05)
    assert capacity["model"].startswith("M/M/c")
