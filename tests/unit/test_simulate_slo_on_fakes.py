"""SimulateSlo over the in-memory fakes: a hand-computed history (tests/simulation_history.py)
read through the Telemetry fake, the Monte Carlo seeded, and every bad input.

A 99% target over 7 days allows checkout 2,016 failures a period (201,600 requests):
- ISO week 2 holds 1,000 + 2,500 failures: exhausted when the third outage has failed
  1,100 (2,100 > 2,016), at the end of step 3610;
- the trailing 7 days exceed 2,016 from the first step of the second outage (2,000 +
  100) until fewer than 11 steps of the first remain in them (boundary 2962); and from
  the 11th step of the third outage (1,000 + 1,100) on.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from slo_engine.application.availability_forecasts import FitForecastPriors, ForecastPriors
from slo_engine.application.decide_slo import SloDecision
from slo_engine.application.prior_bootstrap import PriorBootstrap
from slo_engine.application.simulate_slo import SimulateSlo, SloSimulation
from slo_engine.application.simulation_targets import SimulationRequest
from slo_engine.domain.backtest import Breach
from slo_engine.domain.errors import (
    ActiveSloNotFound,
    DependencyUnavailable,
    InsufficientHistory,
    InvalidInput,
    ServiceNotFound,
    SimulationTimedOut,
    SloNotFound,
    StoredRecommendationNotFound,
)
from slo_engine.domain.model import ServiceRecord
from slo_engine.domain.slo import RecommendedTargets, SloTargets
from slo_engine.policy.loader import load_policy
from tests.fakes import InMemoryForecastPriors, TickingClock
from tests.fakes_telemetry import InMemoryTelemetry
from tests.fakes_world import FakeWorld
from tests.simulation_history import END, WEEKS_START, at, simulation_series

WEEKLY_99 = SloTargets(0.99)


def simulator(world: FakeWorld, telemetry: InMemoryTelemetry | None = None,
              limit_s: float = 120.0) -> SimulateSlo:
    telemetry = telemetry or InMemoryTelemetry(simulation_series())
    return SimulateSlo(world.store, world.ledger, telemetry, world.clock, load_policy(),
                       ForecastPriors(InMemoryForecastPriors()), limit_s)


@pytest.fixture
def world() -> FakeWorld:
    built = FakeWorld(clock=TickingClock(END * 1000))
    built.add_services(*(ServiceRecord(s) for s in ("checkout", "newbie", "plain", "silent")))
    return built


def weekly(**overrides: object) -> SimulationRequest:
    request = SimulationRequest("checkout", targets=WEEKLY_99, period_days=7,
                                historical_window_days=14, iterations=500, seed=7)
    return replace(request, **overrides)  # type: ignore[arg-type]


def simulate(world: FakeWorld, request: SimulationRequest) -> SloSimulation:
    return asyncio.run(simulator(world).simulate(request))


def test_the_backtest_reads_the_window_at_5_minute_steps(world: FakeWorld) -> None:
    result = simulate(world, weekly())
    provenance = result.provenance
    assert (provenance.history_start_s, provenance.history_end_s) == (WEEKS_START, END)
    assert provenance.step_s == 300
    assert provenance.days_of_history == 14.0
    assert provenance.forecast_history_days == 14
    assert provenance.graph_version == world.store.graph_version()
    assert (provenance.seed, provenance.iterations) == (7, 500)


def test_a_calendar_week_is_exhausted_when_its_failures_pass_its_budget(
        world: FakeWorld) -> None:
    calendar = simulate(world, weekly()).slis[0].backtest.calendar
    assert [p.bad_events for p in calendar.periods] == [2000.0, 3500.0]
    assert [p.budget_use_ratio for p in calendar.periods] == [2000 / 2016, 3500 / 2016]
    assert [p.exhausted_at_s for p in calendar.periods] == [None, at(3611)]
    assert calendar.breaches == [Breach(at(3611), END)]


def test_rolling_breaches_are_found_at_every_5_minute_step(world: FakeWorld) -> None:
    rolling = simulate(world, weekly()).slis[0].backtest.rolling
    assert rolling.breaches == [Breach(at(2161), at(2962)), Breach(at(3611), None)]
    assert len(rolling.periods) == 8
    assert [p.breached for p in rolling.periods] == [False, True, True, True, False, False,
                                                     True, True]


def test_a_latency_target_is_judged_at_the_bucket_the_rules_use(world: FakeWorld) -> None:
    targets = SloTargets(None, {"p99": 0.2, "p999": 0.2})
    p99, p999 = simulate(world, weekly(targets=targets)).slis
    assert (p99.sli_type, p99.percentile_label, p99.judged_at_seconds) == ("latency", "p99",
                                                                           0.25)
    assert [p.budget_use_ratio for p in p99.backtest.calendar.periods] == [1.0, 1.0]
    assert not any(p.breached for p in p99.backtest.rolling.periods)
    # hourly: 12 slow requests an hour pass 201.6 in the 17th hour
    assert [p.time_to_exhaustion_s for p in p999.backtest.calendar.periods] == [
        17 * 3600, 17 * 3600]
    assert p99.forecast is not None
    assert p999.forecast is not None
    assert (p99.forecast.breach_probability, p999.forecast.breach_probability) == (0.0, 1.0)


def test_the_monte_carlo_repeats_for_a_seed_and_differs_for_another(
        world: FakeWorld) -> None:
    first, again = simulate(world, weekly()), simulate(world, weekly())
    other = simulate(world, weekly(seed=8))
    assert first.slis[0].forecast == again.slis[0].forecast
    assert first.slis[0].forecast != other.slis[0].forecast
    forecast = first.slis[0].forecast
    assert forecast is not None
    assert forecast.iterations == 500
    quantiles = list(forecast.budget_use_quantiles.values())
    assert quantiles == sorted(quantiles)
    low, high = forecast.breach_interval
    assert low <= forecast.breach_probability <= high


def test_without_a_seed_the_service_id_seeds_the_draws(world: FakeWorld) -> None:
    first, again = simulate(world, weekly(seed=None)), simulate(world, weekly(seed=None))
    assert first.provenance.seed == again.provenance.seed == 1_478_391_495
    assert first.slis[0].forecast == again.slis[0].forecast


def test_the_active_slo_is_tested_over_its_own_period(world: FakeWorld) -> None:
    recommendation = world.recommendation("checkout", RecommendedTargets(
        {"conservative": 0.98, "balanced": 0.99, "aggressive": 0.995}))
    slo = world.decisions().decide("checkout", SloDecision(recommendation, "accept", "jane"))
    assert slo.slo is not None
    result = simulate(world, weekly(targets=None, period_days=None, slo_id=slo.slo["slo_id"],
                                    historical_window_days=30))
    assert (result.slo.source, result.slo.period_days, result.slo.slo_version) == (
        "active_slo", 30, 1)
    assert result.slis[0].target_ratio == 0.99
    with pytest.raises(SloNotFound, match="is not the active SLO of service 'checkout'"):
        simulate(world, weekly(targets=None, slo_id="superseded-or-unknown"))


def test_a_recommendation_tier_is_tested_with_its_stored_targets(world: FakeWorld) -> None:
    world.recommendation("checkout", RecommendedTargets(
        {"conservative": 0.98, "balanced": 0.99, "aggressive": 0.995}))
    result = simulate(world, weekly(targets=None, period_days=None, tier="aggressive",
                                    historical_window_days=30))
    assert (result.slo.source, result.slo.tier, result.slis[0].target_ratio) == (
        "recommendation", "aggressive", 0.995)


@pytest.mark.parametrize(("request_", "error", "message"), [
    (weekly(service_id="nobody"), ServiceNotFound, "Service 'nobody' does not exist"),
    (weekly(targets=None, slo_id="x"), ActiveSloNotFound, "has no active SLO"),
    (weekly(targets=None, tier="balanced"), StoredRecommendationNotFound,
     "no stored recommendation for a 7-day SLO period"),
])
def test_unknown_services_and_slos_are_not_found(world: FakeWorld, request_: SimulationRequest,
                                                 error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        simulate(world, request_)


@pytest.mark.parametrize(("request_", "pointer"), [
    (weekly(targets=None), "/slo_id"),
    (weekly(tier="balanced"), "/targets"),
    (weekly(targets=None, tier="premium"), "/tier"),
    (weekly(targets=SloTargets()), "/targets"),
    (weekly(historical_window_days=6), "/historical_window_days"),
    (weekly(iterations=10_001), "/iterations"),
    (weekly(iterations=0), "/iterations"),
    (weekly(targets=SloTargets(None, {"p99": 2.0})), "/targets"),
    (weekly(service_id="plain", targets=SloTargets(None, {"p99": 0.2})), "/targets"),
])
def test_impossible_parameters_name_the_field(world: FakeWorld, request_: SimulationRequest,
                                              pointer: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        simulate(world, request_)
    assert raised.value.problems[0]["pointer"] == pointer


def test_history_too_short_for_the_window_says_how_much_exists(world: FakeWorld) -> None:
    with pytest.raises(InsufficientHistory) as raised:
        simulate(world, weekly(service_id="newbie"))
    assert (raised.value.requested_days, raised.value.available_days) == (14, 3.0)
    assert str(raised.value) == ("Service 'newbie' has 3.0 days of request history (since "
                                 "2024-01-12T00:00Z); 14 were asked for. Ask for at most 3 "
                                 "days.")
    with pytest.raises(InsufficientHistory, match="has no request history"):
        simulate(world, weekly(service_id="silent"))


def test_a_metrics_store_that_does_not_answer_is_unavailable(world: FakeWorld) -> None:
    down = InMemoryTelemetry({}, outage_retry_after_s=7.0)
    with pytest.raises(DependencyUnavailable):
        asyncio.run(simulator(world, down).simulate(weekly()))


def test_a_simulation_past_its_time_limit_times_out(world: FakeWorld) -> None:
    with pytest.raises(SimulationTimedOut, match="within its 0 s limit"):
        asyncio.run(simulator(world, limit_s=0.0).simulate(weekly()))


def test_with_no_prior_stored_the_simulation_fits_the_fleets_priors_first(
        world: FakeWorld) -> None:
    telemetry = InMemoryTelemetry(simulation_series())
    store = InMemoryForecastPriors()
    priors = ForecastPriors(store)
    policy = load_policy()
    fit = FitForecastPriors(telemetry, world.snapshots, store, world.clock, policy, priors)
    simulate = SimulateSlo(world.store, world.ledger, telemetry, world.clock, policy, priors,
                           120.0, PriorBootstrap(fit.run, priors, wait_seconds=10))
    result = asyncio.run(simulate.simulate(weekly()))
    assert result.provenance.prior_source == "fleet"
    assert store.priors().by_class["fleet"].services >= 1
