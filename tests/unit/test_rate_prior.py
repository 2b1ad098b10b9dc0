"""The fleet's rate prior: a Poisson-lognormal fitted by maximum marginal likelihood, and
what it forecasts for a service with few or no episodes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from slo_engine.domain.fleet_prior import FleetPrior, _gamma_poisson_moments
from slo_engine.domain.incident_history import fit_service
from slo_engine.domain.rate_prior import (
    LOG_SD_FLOOR,
    GammaRate,
    fit_log_normal_rates,
    log_normal_moments,
    log_normal_posterior,
)

# A class of 12 services over 90 days: quiet ones at about one episode a month, busy ones
# (gateways, which also have the episodes of all they call) at several a week.
COUNTS = [0, 1, 2, 2, 3, 3, 4, 5, 7, 12, 20, 31]
DAYS = [90.0] * len(COUNTS)


def marginal_log_likelihood(mu: float, sigma: float) -> float:
    """sum_i log integral Poisson(N_i | e^x T) Normal(x | mu, sigma^2) dx, by the
    trapezoid rule on 20,001 points over mu +- 10 sigma (independent of the fit's grid)."""
    x = np.linspace(mu - 10 * sigma, mu + 10 * sigma, 20_001)
    density = np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    total = 0.0
    for n, t in zip(COUNTS, DAYS, strict=True):
        poisson = np.exp(n * (x + math.log(t)) - t * np.exp(x) - math.lgamma(n + 1))
        total += math.log(float(np.trapezoid(poisson * density, x)))
    return total


def test_the_fit_is_the_maximum_of_the_marginal_likelihood() -> None:
    mu, sigma = fit_log_normal_rates(COUNTS, DAYS) or (math.nan, math.nan)
    # Maximising the quadrature above with Nelder-Mead gives (-3.03879, 1.06875); the
    # fit's EM runs on a grid of log rates 0.02 apart.
    assert (mu, sigma) == pytest.approx((-3.03865, 1.06859), abs=1e-4)
    best = marginal_log_likelihood(mu, sigma)
    for d_mu, d_sigma in ((0.02, 0), (-0.02, 0), (0, 0.02), (0, -0.02)):
        assert marginal_log_likelihood(mu + d_mu, sigma + d_sigma) < best


def test_a_service_with_no_episode_is_forecast_what_its_quiet_peers_have() -> None:
    """The moment-fitted gamma (shape 0.79: the busy services set the variance) forecast
    the quiet service 0.24 episodes in 30 days, the lognormal 0.42; Robbins' estimate
    from these counts, f(1) / f(0) per 90 days, is 0.33."""
    mu, sigma = fit_log_normal_rates(COUNTS, DAYS) or (math.nan, math.nan)
    quiet = log_normal_posterior(mu, sigma, 0, 90.0)
    shape, rate = _gamma_poisson_moments(COUNTS, DAYS)
    assert (shape, rate) == pytest.approx((0.78763, 9.45158), abs=1e-5)
    assert shape / (rate + 90) * 30 == pytest.approx(0.23759, abs=1e-5)
    assert quiet.mean() * 30 == pytest.approx(0.42373, abs=1e-5)
    assert quiet.prior_share() == pytest.approx(0.43759, abs=1e-5)
    busy = log_normal_posterior(mu, sigma, 5, 90.0)
    assert (busy.mean() * 30, busy.prior_share()) == pytest.approx((1.65144, 0.15951),
                                                                   abs=1e-5)


def test_draws_are_continuous_and_have_the_posterior_mean() -> None:
    posterior = log_normal_posterior(-3.0, 1.0, 2, 90.0)
    draws = posterior.sample(200_000, np.random.default_rng(5))
    assert np.unique(draws).size == draws.size  # not stuck on grid points
    assert draws.mean() == pytest.approx(posterior.mean(), rel=0.01)


def test_a_class_of_equal_rates_keeps_the_floor_of_spread() -> None:
    mu, sigma = fit_log_normal_rates([3] * 10, [90.0] * 10) or (math.nan, math.nan)
    assert sigma == LOG_SD_FLOOR
    # log(3 / 90) less sigma^2 / 2: the lognormal's mean e^(mu + sigma^2 / 2) is 3 / 90.
    assert mu == pytest.approx(math.log(3 / 90) - LOG_SD_FLOOR**2 / 2, abs=1e-3)


def test_a_class_with_one_service_with_episodes_is_not_fitted() -> None:
    assert fit_log_normal_rates([0] * 9 + [2], [90.0] * 10) is None
    assert fit_log_normal_rates([0] * 8 + [2, 1], [90.0] * 10) is not None


def test_the_summary_gamma_has_the_lognormals_mean_and_variance() -> None:
    shape, rate = log_normal_moments(-3.0, 0.8)
    mean = math.exp(-3.0 + 0.32)
    assert shape / rate == pytest.approx(mean)
    assert shape / rate**2 == pytest.approx(mean**2 * math.expm1(0.64))


def test_a_prior_stored_before_the_lognormal_forecasts_with_its_gamma() -> None:
    fitted = FleetPrior(1.5, 40.0, np.log([30.0]), 5.0, 1.0, 0.2, {30: 0.1}, 12,
                        rate_log_mean=-3.0, rate_log_sd=0.8)
    record = fitted.to_record()
    assert FleetPrior.from_record(record).to_record() == record
    older = FleetPrior.from_record({k: v for k, v in record.items()
                                    if k not in ("rate_log_mean", "rate_log_sd")})
    assert older.rate_log_sd == 0.0
    requests, failed = np.full(90 * 96, 1500.0), np.zeros(90 * 96)
    failed[[1000, 5000]] = 1500.0  # two 15-minute outages
    fit = fit_service(requests, failed, 900)
    posterior = older.rate_posterior(fit)
    assert posterior == GammaRate(1.5 + 2, 40.0 + 90, 40.0)
    assert posterior.prior_share() == pytest.approx(40 / 130)
    assert np.array_equal(fitted.rate_posterior(fit).weights,  # type: ignore[union-attr]
                          log_normal_posterior(-3.0, 0.8, 2, 90.0).weights)
