"""Empirical-Bayes hyperparameters pooled over many services' incident histories (one
class of services, or the whole fleet), so a service whose own history is thin borrows
from its peers: a service with no incident in 90 days is not one that never has one.

- rate: N_i episodes in T_i days, log lambda_i ~ Normal(mu, sigma^2), by maximum
  marginal likelihood (rate_prior.py; a service's posterior on a grid of log rates);
  rate_shape and rate_days then hold the gamma of the same mean and variance, a summary.
  Priors stored before it (rate_log_sd 0), and fleets with fewer than two services with
  an episode, keep the gamma by moments: lambda_i ~ Gamma(a, b), m = sum N / sum T,
  V = var(N_i / T_i) - m mean(1 / T_i), a = m^2 / V, b = m / V (the posterior of one
  service is Gamma(a + N_i, b + T_i));
- size: k = within / between variance of services' mean log episode size, the weight of
  the pool behind each service's own episodes; each pooled episode keeps where it came
  from: its service's weight 1 / (n + k) (a service's n episodes together weigh
  n / (n + k), the precision of its mean: a few services with many episodes do not make
  the pool) and its log posterior-mean rate, so a forecast can lean on the episodes of
  services with rates like its own (episodes grow with rate: a gateway's merge the
  overlapping incidents of all it calls), by a Gaussian kernel of Silverman's bandwidth
  over services' log rates;
- steady drift s: the fleet spread of log(p0 of the last 30 days / p0 before them), net
  of Poisson noise;
- period dispersion c: the pooled negative-binomial moment estimate of how much more
  episode counts vary between whole periods than Poisson would (clustering, regimes),
  one per SLO period length offered (7, 28 and 30 days: regimes show differently in a
  week's counts than in a month's).

Pure: numpy and the standard library only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from slo_engine.domain.incident_history import ServiceFit
from slo_engine.domain.rate_prior import (
    GammaRate,
    RatePosterior,
    fit_log_normal_rates,
    log_normal_moments,
    log_normal_posterior,
)
from slo_engine.domain.slo import SLO_PERIOD_DAYS

LEGACY_PERIOD_DAYS = 30  # the one period length priors were fitted for before per-length
POOL_ARRAYS = ("log_loss_pool", "log_loss_pool_log_rate", "log_loss_pool_weight")


@dataclass(frozen=True)
class FleetPrior:
    rate_shape: float
    rate_days: float  # the gamma's rate parameter b, in days
    log_loss_pool: np.ndarray
    loss_prior_weight: float  # k: pseudo-episodes of the pool behind each service's own
    log_loss_within_sd: float  # spread of log L within one service
    steady_log_sd: float
    # c by period length in days: a D-day period's count is Poisson(lambda D G),
    # G ~ Gamma(1/c, c)
    period_dispersions: Mapping[int, float]
    services: int = 0  # how many services it was pooled from (0: the default prior)
    # Per pooled episode: its service's log posterior-mean rate (per day) and weight
    # 1 / (n + k); empty (the default prior, older records): equal weights, rate ignored.
    log_loss_pool_log_rate: np.ndarray = field(default_factory=lambda: np.empty(0))
    log_loss_pool_weight: np.ndarray = field(default_factory=lambda: np.empty(0))
    log_rate_bandwidth: float = 0.0  # 0: pool episodes not matched by rate
    # The lognormal rate prior: mean and sd of log episodes per day (sd 0: the gamma
    # Gamma(rate_shape, rate_days), as priors stored before it).
    rate_log_mean: float = 0.0
    rate_log_sd: float = 0.0

    def rate_posterior(self, fit: ServiceFit) -> RatePosterior:
        """The service's episode rate given its N episodes in T days."""
        return _rate_posterior(self.rate_shape, self.rate_days, self.rate_log_mean,
                               self.rate_log_sd, fit)

    def period_dispersion(self, period_days: float) -> float:
        """c for a period length: the one fitted for the nearest length offered."""
        nearest = min(self.period_dispersions, key=lambda days: abs(days - period_days))
        return self.period_dispersions[nearest]

    def to_record(self) -> dict[str, Any]:
        """Plain values (the pool rounded to 4 decimals of log minutes) for storage."""
        scalars = {k: float(v) for k, v in asdict(self).items()
                   if k not in (*POOL_ARRAYS, "services", "period_dispersions")}
        return {**scalars, "services": int(self.services),
                "period_dispersions": {str(days): float(c)
                                       for days, c in self.period_dispersions.items()},
                **{name: [round(float(x), 4) for x in getattr(self, name)]
                   for name in POOL_ARRAYS}}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> FleetPrior:
        """Also reads records stored before dispersion was fitted per period length (one
        `period_dispersion`, fitted on 30-day periods), and ignores fields a later release
        added (a replica not yet upgraded reads the priors a newer one stored)."""
        known = {f.name for f in dataclasses.fields(cls)} | {"period_dispersion"}
        fields = {k: v for k, v in record.items() if k in known}
        legacy = fields.pop("period_dispersion", None)
        dispersions = fields.pop("period_dispersions", None) or {LEGACY_PERIOD_DAYS: legacy}
        return cls(**{**fields, **{name: np.asarray(record.get(name, []), float)
                                   for name in POOL_ARRAYS},
                      "period_dispersions": {int(days): float(c)
                                             for days, c in dispersions.items()}})


# Until the fleet's own prior is fitted (the daily `fit_forecast_priors` job): a weak prior
# set a priori, not tuned on any fleet: one episode in 60 days with wide uncertainty
# (shape 0.5), episodes of 30 minutes' full outage at median, unknown clustering.
DEFAULT_PRIOR = FleetPrior(rate_shape=0.5, rate_days=30.0, log_loss_pool=np.log([30.0]),
                           loss_prior_weight=5.0, log_loss_within_sd=1.0,
                           steady_log_sd=0.2,
                           period_dispersions=dict.fromkeys(SLO_PERIOD_DAYS, 0.5))


def fleet_prior(fits: Sequence[ServiceFit], period_days: Sequence[int] = SLO_PERIOD_DAYS
                ) -> FleetPrior:
    """Empirical-Bayes hyperparameters from many services' fits (one class or the fleet),
    with the period dispersion for each of `period_days`."""
    counts, exposures = [f.episodes for f in fits], [max(f.days, 1.0) for f in fits]
    log_normal = fit_log_normal_rates(counts, exposures)
    shape, rate_days = (log_normal_moments(*log_normal) if log_normal
                        else _gamma_poisson_moments(counts, exposures))
    rate_log_mean, rate_log_sd = log_normal or (0.0, 0.0)
    logs = [np.log(np.maximum(f.episode_loss_minutes, 1e-6)) for f in fits]
    pool = np.concatenate([*logs, np.empty(0)])
    weight, within = _loss_prior_weight(logs)
    dispersions = {days: _period_dispersion(fits, days) for days in period_days}
    rates = [math.log(_rate_posterior(shape, rate_days, rate_log_mean, rate_log_sd, f).mean())
             for f in fits]
    seen = np.array([x for x, f in zip(rates, fits, strict=True) if f.episodes])
    bandwidth = 1.06 * float(np.std(seen)) * seen.size ** -0.2 if seen.size >= 2 else 0.0
    return FleetPrior(shape, rate_days, pool, weight, within, _steady_log_sd(fits),
                      dispersions, len(fits),
                      np.concatenate([*(np.full(f.episodes, x)
                                        for x, f in zip(rates, fits, strict=True)), np.empty(0)]),
                      np.concatenate([*(np.full(f.episodes, 1 / (f.episodes + weight))
                                        for f in fits), np.empty(0)]),
                      bandwidth, rate_log_mean, rate_log_sd)


def _rate_posterior(shape: float, rate_days: float, log_mean: float, log_sd: float,
                    fit: ServiceFit) -> RatePosterior:
    """The lognormal prior's posterior when it has a spread, else Gamma(a + N, b + T)."""
    if log_sd > 0:
        return log_normal_posterior(log_mean, log_sd, fit.episodes, fit.days)
    return GammaRate(shape + fit.episodes, rate_days + fit.days, rate_days)


def log_posterior_rate(prior: FleetPrior, fit: ServiceFit) -> float:
    """log of the posterior-mean episode rate per day ((a + N) / (b + T) for a gamma)."""
    return math.log(prior.rate_posterior(fit).mean())


def _gamma_poisson_moments(counts: Sequence[int], exposures: Sequence[float]
                           ) -> tuple[float, float]:
    n, t = np.asarray(counts, dtype=float), np.asarray(exposures, dtype=float)
    mean = max(n.sum() / t.sum(), 0.1 / t.sum())
    excess_variance = float(np.var(n / t) - mean * np.mean(1 / t)) if n.size > 1 else 0.0
    variance = max(excess_variance, mean**2 / 100)  # shape at most 100: near-Poisson
    return mean**2 / variance, mean / variance


def _loss_prior_weight(logs: Sequence[np.ndarray]) -> tuple[float, float]:
    """k = within-service / between-service variance of mean log loss (clamped 0.5..50),
    and the within-service standard deviation."""
    several = [x for x in logs if x.size >= 2]
    if len(several) < 2:
        return 5.0, 1.0
    within = float(np.mean([np.var(x, ddof=1) for x in several]))
    means = np.array([x.mean() for x in several])
    between = float(np.var(means, ddof=1) - np.mean([within / x.size for x in several]))
    return float(np.clip(within / max(between, 1e-6), 0.5, 50.0)), math.sqrt(within)


def _steady_log_sd(fits: Sequence[ServiceFit], recent_days: int = 30) -> float:
    """How far a month's steady ratio strays from the ratio before it, across the fleet:
    per service x = log(p of the last `recent_days` / p of the days before), and
    s^2 = var(x) - mean(1/f_recent + 1/f_before) (Poisson noise), over services with
    10+ steady failures in each part (0.2 when fewer than 5 services qualify)."""
    logs, noise = [], []
    for fit in fits:
        recent_f, before_f = (fit.day_steady_failures[-recent_days:].sum(),
                              fit.day_steady_failures[:-recent_days].sum())
        recent_r, before_r = (fit.day_steady_requests[-recent_days:].sum(),
                              fit.day_steady_requests[:-recent_days].sum())
        if min(recent_f, before_f) >= 10:
            logs.append(math.log(recent_f / recent_r) - math.log(before_f / before_r))
            noise.append(1 / recent_f + 1 / before_f)
    if len(logs) < 5:
        return 0.2
    return math.sqrt(max(float(np.var(logs, ddof=1) - np.mean(noise)), 0.0))


def _period_dispersion(fits: Sequence[ServiceFit], period_days: int) -> float:
    """Extra-Poisson variation of episode counts between periods (clustering, regimes):
    with B whole periods per history, counts N_ib and means m_i, E[sum_b (N_ib - m_i)^2]
    = (B - 1)(m_i + c m_i^2), so c = sum_i [S_i - (B - 1) m_i] / ((B - 1) sum_i m_i^2),
    at least 0 (the negative-binomial moment estimator, pooled over services). Periods
    count from a service's first day of data: a young service's empty early periods are
    not clustering."""
    spread, scale = 0.0, 0.0
    for fit in fits:
        first = int(np.argmax(fit.day_has_data)) if fit.day_has_data.any() else 0
        blocks = (fit.day_has_data.size - first) // period_days
        if blocks < 2:
            continue
        counts = np.bincount(np.maximum(fit.episode_day - first, 0) // period_days,
                             minlength=blocks)[:blocks]
        mean = counts.mean()
        spread += float(((counts - mean) ** 2).sum() - (blocks - 1) * mean)
        scale += (blocks - 1) * mean**2
    return max(spread / scale, 0.0) if scale > 0 else 0.0
