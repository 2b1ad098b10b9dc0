"""RecommendSlos over the in-memory fakes (graph, telemetry, priors): tier order, the
dependency bound's cap, cold starts. No server; tens of milliseconds each."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest

from slo_engine.application.availability_forecasts import ForecastPriors
from slo_engine.application.recommend_slos import RecommendSlos, SloRecommendation
from slo_engine.domain.model import ServiceRecord, ServiceType
from slo_engine.domain.recommendation import AvailabilityRecommendation
from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.policy.loader import load_policy
from tests.fakes import InMemoryForecastPriors
from tests.fakes_telemetry import InMemoryTelemetry, ServiceSeries
from tests.fakes_world import END_S, STEP_S, FakeWorld, steady_series

TIERS = ("conservative", "balanced", "aggressive")
STEPS_A_DAY = DAY_SECONDS // STEP_S
LATENCY_SHARES = {0.1: 0.9, 0.25: 0.99, 0.5: 0.999, math.inf: 1.0}
EDGES = [("front", "cart"), ("cart", "db"), ("front", "pay"), ("front", "search")]
FLEET = {"nodes": [{"service_id": "pay", "metadata": {"service_type": "external"}}],
         "edges": [{"source": source, "target": target} for source, target in EDGES]}


def recommender(world: FakeWorld, series: dict[str, ServiceSeries]) -> RecommendSlos:
    return RecommendSlos(world.store, world.snapshots, InMemoryTelemetry(series), world.clock,
                         load_policy(), ForecastPriors(InMemoryForecastPriors()))


def recommend(slos: RecommendSlos, service_id: str, lookback_days: int = 30,
              period_days: int | None = None) -> SloRecommendation:
    return asyncio.run(slos.recommend(service_id, "all", lookback_days, period_days))


def availability_of(result: SloRecommendation) -> AvailabilityRecommendation:
    assert result.availability is not None, result.notes
    return result.availability


def targets(result: SloRecommendation) -> dict[str, float]:
    return {name: tier.target_ratio for name, tier in availability_of(result).tiers.items()}


@pytest.mark.parametrize("seed", [11, 12])
def test_tiers_are_ordered_for_every_service_of_a_simulated_fleet(seed: int) -> None:
    world = FakeWorld()
    history = simulate_fleet(FLEET, days=91, end_s=END_S, step_s=900, seed=seed)
    world.add_services(*[ServiceRecord(s, service_type=ServiceType.EXTERNAL if s == "pay"
                                       else ServiceType.INTERNAL) for s in history.services])
    for source, target in EDGES:
        world.depend(source, target)
    slos = recommender(world, InMemoryTelemetry.from_fleet_history(history).services)
    for service_id in ("front", "cart", "db", "search"):
        for lookback_days, period_days in ((30, 30), (7, 7)):
            result = recommend(slos, service_id, lookback_days, period_days)
            tiers = availability_of(result).tiers
            assert (tiers["conservative"].target_ratio <= tiers["balanced"].target_ratio
                    <= tiers["aggressive"].target_ratio), (service_id, targets(result))
            breach = [p for t in TIERS if (p := tiers[t].breach_probability) is not None]
            assert len(breach) == 3
            assert sorted(breach) == breach  # a stricter target is missed at least as often
            assert result.latency is not None
            latency = [s for t in TIERS
                       if (s := result.latency.tiers[t].target_seconds) is not None]
            assert len(latency) == 3
            assert sorted(latency, reverse=True) == latency  # a stricter one is faster


def capped_world() -> tuple[FakeWorld, RecommendSlos]:
    """checkout hard-depends on payment, observed at exactly 99.5%. checkout failed 0.01%
    of its requests for 84 days, then 1% on every other day of the last week."""
    world = FakeWorld()
    world.add_services(ServiceRecord("checkout"), ServiceRecord("payment"))
    world.depend("checkout", "payment")
    steps = 91 * STEPS_A_DAY
    day = np.arange(steps) // STEPS_A_DAY
    failures = np.where((day >= 84) & (day % 2 == 0), 10.0, 0.1)
    checkout = ServiceSeries.counting(END_S - steps * STEP_S, STEP_S, np.full(steps, 1000.0),
                                      failures)
    return world, recommender(world, {"checkout": checkout,
                                      "payment": steady_series(1000, 5, 91)})


def test_a_hard_dependency_with_a_low_observed_availability_caps_the_balanced_tier() -> None:
    _, slos = capped_world()
    result = recommend(slos, "checkout", lookback_days=7)
    availability = availability_of(result)
    assert result.bound is not None
    assert result.bound.composite.availability_ratio == pytest.approx(0.995, abs=1e-12)
    assert availability.observed_interval is not None
    assert availability.observed_interval[0] < 0.995  # the week's history allows the bound
    assert availability.uncapped_balanced_ratio is not None
    assert availability.uncapped_balanced_ratio > 0.995  # the forecast alone asks for more
    assert availability.capped_by_bound is True
    tiers = targets(result)
    # Balanced at the bound; conservative's own forecast (the refits' pooled draws, the
    # week of 1% days among them) already asks for less.
    assert (tiers["conservative"], tiers["balanced"]) == (0.994, 0.995)
    assert tiers["aggressive"] >= 0.995
    assert [d.service_id for d in result.bound.dependencies] == ["payment"]
    assert result.bound.bottleneck is not None
    assert result.bound.bottleneck.service_id == "payment"


def test_a_service_that_achieved_more_than_its_bound_is_not_capped_and_is_told_why() -> None:
    _, slos = capped_world()
    result = recommend(slos, "checkout", lookback_days=30)  # mostly the quiet weeks
    availability = availability_of(result)
    assert availability.observed_interval is not None
    assert availability.observed_interval[0] > 0.995
    assert availability.capped_by_bound is False
    assert targets(result)["balanced"] == availability.uncapped_balanced_ratio
    first, second = availability.warnings
    assert first.startswith(f"checkout achieved at least "
                            f"{availability.observed_interval[0]:.3%} over the lookback")
    assert first.endswith("above the 99.500% its hard dependencies supposedly allow: the "
                          "bound does not cap the tiers.")
    assert second.startswith("payment (observed 99.500%, own 99.500%) costs the bound 0.500%")


def test_an_external_without_history_counts_at_its_published_sla_less_the_pessimism() -> None:
    world = FakeWorld()
    world.add_services(ServiceRecord("checkout"), ServiceRecord("payment"), ServiceRecord(
        "vendor", service_type=ServiceType.EXTERNAL, metadata={"published_sla": 0.9999}))
    world.depend("checkout", "payment")
    world.depend("checkout", "vendor")
    slos = recommender(world, {"checkout": steady_series(1000, 1, 91),
                               "payment": steady_series(1000, 5, 91)})
    bound = recommend(slos, "checkout").bound
    assert bound is not None
    assert {d.service_id: d.source for d in bound.dependencies} == {
        "payment": "observed", "vendor": "published_sla"}
    assert [d.availability_ratio for d in bound.dependencies] == pytest.approx(
        [0.995, 0.9989], abs=1e-12)
    assert bound.composite.availability_ratio == pytest.approx(0.995 * 0.9989, abs=1e-12)
    assert bound.external_services == ("vendor",)


def test_ten_days_of_history_look_back_further_at_low_confidence_with_the_baseline() -> None:
    world = FakeWorld()
    world.add_services(ServiceRecord("checkout"))
    slos = recommender(world, {"checkout": steady_series(1000, 1, 10,
                                                         latency_shares=LATENCY_SHARES)})
    result = recommend(slos, "checkout", lookback_days=30)
    assert result.lookback_start_s == END_S - 90 * DAY_SECONDS  # the cold-start lookback
    assert (result.lookback_end_s, result.quality.days_of_data) == (END_S, 10.0)
    assert (result.confidence, result.archetype) == ("low", "backend_service")
    assert result.notes == ["Only 10.0 days of data: targets are low confidence; the "
                            "backend_service baseline is 99.9000%."]
    assert result.latency is not None
    assert result.latency.notes[-1] == "low confidence: the backend_service baseline p99 is " \
                                       "500 ms"
    tiers = targets(result)
    assert tiers["conservative"] <= tiers["balanced"] <= tiers["aggressive"]


def test_thirty_days_of_history_are_a_high_confidence_recommendation() -> None:
    world = FakeWorld()
    world.add_services(ServiceRecord("checkout"))
    slos = recommender(world, {"checkout": steady_series(1000, 1, 31)})
    result = recommend(slos, "checkout", lookback_days=30)
    assert (result.lookback_start_s, result.confidence) == (END_S - 30 * DAY_SECONDS, "high")
    assert result.quality.completeness_ratio == 1.0


def test_a_service_without_traffic_gets_its_archetype_baseline_capped_by_its_bound() -> None:
    world = FakeWorld()
    world.add_services(ServiceRecord("web-gateway"), ServiceRecord("payment"),
                       ServiceRecord("search"))
    world.depend("web-gateway", "payment")
    slos = recommender(world, {"payment": steady_series(1000, 5, 91)})
    capped = recommend(slos, "web-gateway")
    assert (capped.archetype, capped.confidence) == ("api_gateway", "low")
    assert capped.notes == ["latency: no request-duration histogram for this service",
                            "availability: no traffic history; the api_gateway archetype "
                            "baseline is used"]
    assert targets(capped) == {"conservative": 0.995, "balanced": 0.995,
                               "aggressive": 1 - (1 - 0.9995) / 2}
    assert availability_of(capped).capped_by_bound is True
    alone = recommend(slos, "search")  # no dependencies, no history
    assert targets(alone) == {"conservative": 1 - 2 * (1 - 0.999), "balanced": 0.999,
                              "aggressive": 1 - (1 - 0.999) / 2}
    assert availability_of(alone).capped_by_bound is False
