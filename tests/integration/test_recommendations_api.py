"""Recommendations against a real Prometheus holding a simulated fleet (AC-002, AC-003)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from slo_engine.application.ports import RecommendationWindow
from slo_engine.application.recommend_slos import COUNT_STEP_SECONDS
from slo_engine.domain.slo import TIER_NAMES
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess
from slo_engine.runtime.prometheus_server import backfill_openmetrics, start_prometheus
from tests.conftest import SettableClock, settings_for
from tests.golden import GOLDEN
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, ingest
from tests.prometheus_history import prometheus_holding


def edge(source: str, target: str, **attributes: Any) -> dict[str, Any]:
    return {"source": source, "target": target, "attributes": attributes}


# front has exactly three serial hard dependencies (AC-003); vendor has no telemetry.
SIMULATED = {
    "source": "manual",
    "nodes": [{"service_id": "front", "metadata": {"team": "web"}}],
    "edges": [edge("front", "a"), edge("front", "b"), edge("front", "c"),
              edge("front", "recs", criticality="soft")],
}
GRAPH = {
    **SIMULATED,
    "nodes": [*SIMULATED["nodes"],
              {"service_id": "vendor", "metadata": {"service_type": "external",
                                                    "published_sla": 0.9999}},
              {"service_id": "newbie", "metadata": {"team": "web"}}],
    "edges": [*SIMULATED["edges"], edge("checkout", "vendor"), edge("checkout", "a")],
}


@pytest.fixture(scope="module")
def fleet_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("fleet")
    end = int(time.time()) // 300 * 300
    history = simulate_fleet(SIMULATED, days=32, end_s=end, seed=21)
    write_openmetrics(history, directory / "fleet.om")
    newbie = simulate_fleet({"nodes": [{"service_id": "newbie"}], "edges": []}, days=10,
                            end_s=end, seed=22)
    write_openmetrics(newbie, directory / "newbie.om")
    with prometheus_holding([directory / "fleet.om", directory / "newbie.om"],
                            directory / "prometheus") as server:
        yield server


@pytest.fixture
def client(falkordb_server: ServerProcess, redis_server: ServerProcess,
           fleet_prometheus: ServerProcess, tmp_path: Path,
           identity_provider: LocalIdentityProvider) -> Iterator[TestClient]:
    container = bootstrap(settings_for(falkordb_server, redis_server, tmp_path,
                                       fleet_prometheus, identity_provider), SettableClock())
    with admin_client(container, identity_provider) as test_client:
        ingest(test_client, GRAPH)
        yield test_client
    container.close()


def recommend(client: TestClient, service: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/services/{service}/slo-recommendations", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def by_type(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["sli_type"]: r for r in body["recommendations"]}


def test_ac002_three_tiers_for_availability_and_latency_with_confidence(
    client: TestClient,
) -> None:
    body = recommend(client, "front")  # AC-002's 5 s is measured by `bench recommend`
    quality = body["data_quality"]
    assert quality["confidence"] == "high"
    assert quality["data_completeness"] > 0.99
    recs = by_type(body)
    availability, latency = recs["availability"], recs["latency"]
    assert set(availability["tiers"]) == set(latency["tiers"]) == {
        "conservative", "balanced", "aggressive"}
    for tier in availability["tiers"].values():
        low, high = tier["confidence_interval"]
        assert 90 < low <= high <= 100
        assert 0 <= tier["estimated_breach_probability"] <= 1
        assert tier["error_budget_monthly_minutes"] == pytest.approx(
            (100 - tier["target"]) / 100 * 43_800, abs=0.05)
    tiers = availability["tiers"]
    assert tiers["conservative"]["target"] <= tiers["balanced"]["target"] <= \
        tiers["aggressive"]["target"]
    attribution = availability["explanation"]["feature_attribution"]
    assert {a["feature"] for a in attribution} == {
        "steady_errors", "incident_forecast", "downstream_dependency_risk",
        "external_api_reliability"}
    assert sum(a["contribution"] for a in attribution) == pytest.approx(1.0, abs=0.002)
    latency_attribution = latency["explanation"]["feature_attribution"]
    assert {a["feature"] for a in latency_attribution} == {
        "p99_latency_historical", "noisy_neighbor_margin"}
    assert latency["tiers"]["balanced"]["percentile"] == "p99"
    assert latency["tiers"]["balanced"]["target_ms"] >= latency["observed_ms"]["p99"]
    assert "percentiles do not add up" in latency["explanation"]["note"]


def test_ac003_the_bound_is_the_product_of_three_serial_dependencies(
    client: TestClient,
) -> None:
    container = client.app.state.container  # type: ignore[attr-defined]
    recs = by_type(recommend(client, "front", sli_type="availability"))
    impact = recs["availability"]["dependency_impact"]
    telemetry = container.history.telemetry
    end = container.clock.now_ms() // 1000 // COUNT_STEP_SECONDS * COUNT_STEP_SECONDS
    start = end - 30 * 86_400

    async def observed() -> list[float]:
        return [await telemetry.availability(s, start, end) for s in ("a", "b", "c")]

    assert client.portal is not None  # the fixture's client is entered
    values = client.portal.call(observed)
    assert impact["counted_services"] == 4
    assert impact["composite_availability_bound"] == pytest.approx(
        float(np.prod(values)) * 100, abs=5e-5)  # the API shows four decimals
    assert [e["target"] for e in impact["excluded_dependencies"]] == ["recs"]
    assert recs["availability"]["tiers"]["balanced"]["target"] <= \
        impact["composite_availability_bound"]


def test_an_external_without_history_counts_at_its_published_sla_less_pessimism(
    client: TestClient,
) -> None:
    recs = by_type(recommend(client, "checkout", sli_type="availability", lookback_days=7))
    body = recs.get("availability")
    assert body is not None
    impact = body["dependency_impact"]
    # a's own availability times vendor's 99.99% - 0.1% = 99.89%.
    assert impact["composite_availability_bound"] < 99.89 + 1e-6
    assert impact["bottleneck_service"] == "vendor"


def test_a_target_above_the_bound_gets_the_unachievable_warning(client: TestClient) -> None:
    availability = by_type(recommend(client, "front", desired_target=99.999))["availability"]
    (warning,) = availability["warnings"]
    assert warning.startswith("The desired target of 99.999% is unachievable.")
    assert "each critical dependency must be at least 99.9999% (Google's 10x rule)" in warning


def test_a_service_with_ten_days_of_data_is_a_low_confidence_cold_start(
    client: TestClient,
) -> None:
    body = recommend(client, "newbie")
    quality = body["data_quality"]
    assert quality["confidence"] == "low"
    assert 9 <= quality["days_of_data"] <= 10.1
    assert body["archetype"] == "backend_service"
    availability = by_type(body)["availability"]
    assert availability["tiers"]["balanced"]["target"] > 90
    assert any("low confidence" in note for note in body["notes"])


def test_an_unknown_service_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/services/nobody/slo-recommendations")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/service-not-found")


def test_lookback_outside_7_to_365_days_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/services/front/slo-recommendations",
                          params={"lookback_days": 3})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/query/lookback_days"


def _with_own_prometheus(falkordb: ServerProcess, redis: ServerProcess, tmp_path: Path,
                         identity: LocalIdentityProvider) -> tuple[ServerProcess, Container]:
    """A Prometheus of the test's own (to stop), holding eight days of the fleet."""
    end = int(time.time()) // 300 * 300
    write_openmetrics(simulate_fleet(SIMULATED, days=8, end_s=end, seed=3), tmp_path / "f.om")
    backfill_openmetrics(tmp_path / "f.om", tmp_path / "prometheus")
    prometheus = start_prometheus(tmp_path / "prometheus")
    settings = settings_for(falkordb, redis, tmp_path, prometheus, identity,
                            prometheus_retry_delays_seconds=[0.0])
    return prometheus, bootstrap(settings, SettableClock())


def test_ac008_prometheus_down_serves_the_stored_recommendation_as_stale(
    falkordb_server: ServerProcess, redis_server: ServerProcess, tmp_path: Path,
    identity_provider: LocalIdentityProvider,
) -> None:
    prometheus, container = _with_own_prometheus(falkordb_server, redis_server, tmp_path,
                                                 identity_provider)
    path = "/api/v1/services/front/slo-recommendations"
    try:
        with admin_client(container, identity_provider) as client:
            ingest(client, GRAPH)
            fresh = client.get(path, params={"lookback_days": 7}).json()
            assert (fresh["stale"], fresh["cached"]) == (False, False)
            again = client.get(path, params={"lookback_days": 7}).json()
            assert again["cached"] is True
            assert again["recommendation_id"] == fresh["recommendation_id"]
            prometheus.stop()
            forced = client.get(path, params={"lookback_days": 7, "force_regenerate": True})
            assert forced.status_code == 200
            assert forced.json()["stale"] is True
            assert "metrics store" in forced.json()["stale_reason"]
            assert forced.json()["recommendation_id"] == fresh["recommendation_id"]
            never = client.get("/api/v1/services/a/slo-recommendations")
            assert never.status_code == 503
            assert never.headers["content-type"] == "application/problem+json"
            assert never.headers["retry-after"] == "5"
    finally:
        container.close()
        prometheus.stop()


def test_a_graph_change_invalidates_the_cached_recommendation(client: TestClient) -> None:
    path = "/api/v1/services/front/slo-recommendations"
    first = client.get(path, params={"sli_type": "availability"}).json()
    assert client.get(path, params={"sli_type": "availability"}).json()["cached"] is True
    ingest(client, {"source": "manual", "edges": [edge("front", "d")]})
    after = client.get(path, params={"sli_type": "availability"}).json()
    assert after["cached"] is False
    assert after["recommendation_id"] != first["recommendation_id"]
    impact = after["recommendations"][0]["dependency_impact"]
    assert impact["dependencies_without_data"] == ["d"]


def test_a_7_day_slo_period_is_forecast_and_kept_apart_from_the_30_day_one(
    client: TestClient,
) -> None:
    month_body = recommend(client, "front")
    week_body = recommend(client, "front", period_days=7)
    month, week = by_type(month_body), by_type(week_body)
    for sli in ("availability", "latency"):
        for tier in TIER_NAMES:
            assert month[sli]["tiers"][tier]["breach_probability_period_days"] == 30
            assert week[sli]["tiers"][tier]["breach_probability_period_days"] == 7
    assert week["availability"]["forecast"]["period_days"] == 7
    assert week_body["recommendation_id"] != month_body["recommendation_id"]
    again = recommend(client, "front", period_days=7)
    assert again["cached"] is True
    assert again["recommendation_id"] == week_body["recommendation_id"]
    # The same incident rate makes fewer expected incidents in a week than in a month.
    assert week["availability"]["forecast"]["expected_incidents_per_period"] < \
        month["availability"]["forecast"]["expected_incidents_per_period"]
    tiers = week["availability"]["tiers"]
    assert tiers["conservative"]["target"] <= tiers["balanced"]["target"] <= \
        tiers["aggressive"]["target"]


def test_an_slo_period_other_than_7_28_or_30_days_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/services/front/slo-recommendations",
                          params={"period_days": 14})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["pointer"] == "/query/period_days"
    assert "7, 28 or 30" in error["message"]


def test_a_document_stored_by_main_before_records_is_served_as_it_was_when_stale(
    falkordb_server: ServerProcess, redis_server: ServerProcess, tmp_path: Path,
    identity_provider: LocalIdentityProvider,
) -> None:
    legacy = json.loads((GOLDEN / "recommendations" / "front.stored-by-main-2026-12-01.json")
                        .read_text(encoding="utf-8"))
    prometheus, container = _with_own_prometheus(falkordb_server, redis_server, tmp_path,
                                                 identity_provider)
    try:
        with admin_client(container, identity_provider) as client:
            ingest(client, GRAPH)
            now = container.clock.now_ms()
            container.graph.store_recommendation(
                "front", legacy["recommendation_id"], RecommendationWindow("all", 30, 30),
                container.graph.graph_version(), legacy, {}, now, now + 86_400_000)
            prometheus.stop()
            served = client.get("/api/v1/services/front/slo-recommendations",
                                params={"force_regenerate": True})
            assert served.status_code == 200, served.text
            body = served.json()
            assert (body["stale"], body["cached"]) == (True, False)
            assert "metrics store" in body["stale_reason"]
            assert {k: v for k, v in body.items() if k not in ("stale_reason", "cached")} \
                == {**legacy, "stale": True}
    finally:
        container.close()
