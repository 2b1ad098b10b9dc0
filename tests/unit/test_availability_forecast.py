"""The forecast of the next SLO period: incidents told from steady errors, pooled rates,
and tiers whose stated breach probability is what happens to periods drawn from the
same process."""

from __future__ import annotations

import numpy as np
import pytest

from slo_engine.domain.availability_forecast import (
    ForecastPolicy,
    _draw_losses,
    forecast_availability,
)
from slo_engine.domain.fleet_prior import _gamma_poisson_moments, fleet_prior
from slo_engine.domain.incident_history import (
    IncidentDetection,
    ServiceFit,
    fit_service,
    resample_fit,
)

STEP = 900
DAY_STEPS = 96
REQUESTS = 1500.0  # 100 a minute


def history(days: int, outages: list[tuple[int, int]], steady_failures: float = 0.0
            ) -> tuple[np.ndarray, np.ndarray]:
    """Steady traffic; each outage (start step, steps) fails every request."""
    requests = np.full(days * DAY_STEPS, REQUESTS)
    failed = np.full(days * DAY_STEPS, steady_failures)
    for start, steps in outages:
        failed[start:start + steps] = REQUESTS
    return requests, failed


def test_a_full_outage_is_one_episode_of_its_lost_minutes() -> None:
    fit = fit_service(*history(90, [(1000, 2)]), STEP)
    assert fit.episodes == 1
    assert fit.episode_loss_minutes[0] == pytest.approx(30.0, abs=1e-3)  # 2 x 15 minutes
    assert fit.episode_day[0] == 1000 // DAY_STEPS
    assert fit.requests_per_minute == pytest.approx(100.0)
    assert fit.days == 90


def test_incidents_closer_than_the_episode_gap_are_one_episode() -> None:
    six_hours = IncidentDetection(episode_gap_seconds=6 * 3600)
    a_day = IncidentDetection(episode_gap_seconds=86_400)  # the shipped policy's gap
    three_apart = history(30, [(500, 1), (512, 1)])   # 3 hours apart
    twelve_apart = history(30, [(500, 1), (548, 1)])  # 12 hours apart
    assert fit_service(*three_apart, STEP, six_hours).episodes == 1
    assert fit_service(*twelve_apart, STEP, six_hours).episodes == 2
    assert fit_service(*twelve_apart, STEP, a_day).episodes == 1


def test_the_steady_ratio_leaves_the_incidents_out() -> None:
    fit = fit_service(*history(60, [(100, 4), (3000, 2)], steady_failures=1.5), STEP)
    assert fit.episodes == 2
    assert fit.steady_error_ratio == pytest.approx(0.001, rel=0.01)


def test_the_fleet_rate_prior_matches_its_moments() -> None:
    shape, rate_days = _gamma_poisson_moments([0, 2, 4], [90.0, 90.0, 90.0])
    # m = 1/45, var(N/T) = 2/6075, m mean(1/T) = 1/4050, V = 1/12150
    assert (shape, rate_days) == pytest.approx((6.0, 270.0))


def test_a_service_without_an_incident_still_forecasts_some() -> None:
    quiet = fit_service(*history(90, []), STEP)
    peers = [fit_service(*history(90, [(k * 700 + 50, 2)]), STEP) for k in range(1, 6)]
    prior = fleet_prior([quiet, *peers])
    forecast = forecast_availability(quiet, prior, 30, ForecastPolicy(bootstrap_replicates=0))
    assert quiet.episodes == 0
    assert forecast.episodes_per_period > 0
    assert forecast.tiers["balanced"].target_ratio < 1.0
    assert forecast.rate_prior_share > 0.5  # it leaned on its peers


def test_tiers_are_ordered_and_state_at_most_their_breach_probability() -> None:
    fits = [fit_service(*history(90, [(k * 900 + 10 * j, 1 + j % 3) for j in range(k % 4)]),
                        STEP) for k in range(1, 9)]
    prior = fleet_prior(fits)
    forecast = forecast_availability(fits[3], prior, 30, seed=4)
    tiers = forecast.tiers
    targets = [tiers[t].target_ratio for t in ("conservative", "balanced", "aggressive")]
    assert targets == sorted(targets)
    for name, q in ForecastPolicy().tier_breach_probabilities.items():
        assert tiers[name].breach_probability <= q + 3 * np.sqrt(q * (1 - q) / 4000)
        low, high = tiers[name].confidence_interval
        assert low <= high
    again = forecast_availability(fits[3], prior, 30, seed=4)
    assert again == forecast


def test_a_young_service_is_resampled_from_the_days_it_has_data() -> None:
    """8 days of 0.01% errors in a 90-day window: every refit is rebuilt from those days
    (drawn from the empty 82, a refit had no requests and a steady ratio of 0.5, and the
    pooled draws put the balanced target at 0%)."""
    requests, failed = history(8, [], steady_failures=0.15)
    gap = np.full(82 * DAY_STEPS, np.nan)
    fit = fit_service(np.concatenate([gap, requests]), np.concatenate([gap, failed]), STEP)
    rng = np.random.default_rng(1)
    for _ in range(50):
        refit = resample_fit(fit, 7, rng)
        assert refit.days == 8
        assert refit.steady_error_ratio == pytest.approx(1e-4, rel=0.05)
    forecast = forecast_availability(fit, fleet_prior([fit]), 30, seed=2)
    assert forecast.tiers["balanced"].target_ratio > 0.99


@pytest.mark.parametrize("future", [30, 7])
def test_periods_drawn_from_the_modelled_process_breach_as_often_as_stated(future: int
                                                                           ) -> None:
    """1,000 services: episodes at 1 a month, 15-60 minutes each, steady 0.01%; fit on 90
    days, judge the next SLO period (30 or 7 days). Each tier breaches within 2 points of
    its stated probability (issue 15's calibration target; measured 1.2 / 3.1 / 18.2% for
    1 / 5 / 20% on 30 days)."""
    rng = np.random.default_rng(11)
    days = 90
    fits, futures = [], []
    for _ in range(1000):
        total = days + future
        outages = [(int(start), int(rng.integers(1, 5)))
                   for start in rng.integers(0, total * DAY_STEPS - 5, rng.poisson(total / 30))]
        requests, failed = history(total, outages, steady_failures=0.15)
        split = days * DAY_STEPS
        fits.append(fit_service(requests[:split], failed[:split], STEP))
        futures.append(1 - failed[split:].sum() / requests[split:].sum())
    prior = fleet_prior(fits)
    policy = ForecastPolicy(bootstrap_replicates=0)
    forecasts = [forecast_availability(fit, prior, future, policy, k)
                 for k, fit in enumerate(fits)]
    for tier, q in policy.tier_breach_probabilities.items():
        rate = np.mean([actual < forecast.tiers[tier].target_ratio
                        for forecast, actual in zip(forecasts, futures, strict=True)])
        assert abs(rate - q) <= 0.02, (tier, rate)
    assert set(prior.period_dispersions) == {7, 28, 30}


def test_a_range_querys_extra_step_is_not_a_day_of_its_own() -> None:
    requests, failed = history(90, [])
    fit = fit_service(np.concatenate(([REQUESTS], requests)),
                      np.concatenate(([0.0], failed)), STEP)  # 90 days + 1 step, as fetched
    assert fit.days == 90
    assert fit.day_requests.size == 90


def test_young_services_empty_early_periods_are_not_clustering() -> None:
    rng = np.random.default_rng(3)

    def service(days_with_data: int) -> ServiceFit:
        requests, failed = history(90, [(int(s), 1) for s in rng.integers(
            (90 - days_with_data) * DAY_STEPS, 90 * DAY_STEPS - 2, rng.poisson(3))])
        requests[:(90 - days_with_data) * DAY_STEPS] = np.nan
        return fit_service(requests, failed, STEP)

    steady = fleet_prior([service(90) for _ in range(150)])
    mixed = fleet_prior([service(90) for _ in range(150)] + [service(30) for _ in range(150)])
    assert mixed.period_dispersion(30) <= steady.period_dispersion(30) + 0.05


def test_a_rare_service_borrows_episode_sizes_from_peers_with_rates_like_its_own() -> None:
    # Five services with one 15-minute outage in 90 days, three alike with twelve of 1 or
    # 2 hours: the pool is mostly the busy services' long episodes and weighs heavily
    # (k = 50: services differ little in size), yet a rare service's draws lean on its
    # rare peers.
    rare = [fit_service(*history(90, [(k * 900 + 50, 1)]), STEP) for k in range(1, 6)]
    busy = [fit_service(*history(90, [(j * 700 + 20, 4 + 4 * (j % 2)) for j in range(12)]),
                        STEP) for _ in range(3)]
    prior = fleet_prior([*rare, *busy])
    losses = _draw_losses(rare[0], prior, 4000, np.random.default_rng(1))
    assert (prior.log_loss_pool.size, prior.loss_prior_weight) == (41, 50.0)
    assert np.median(losses) < 30  # near the rare peers' 15 minutes, not 60-120
