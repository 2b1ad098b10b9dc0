"""`slo-engine bench frontier`: what any fixed per-service availability target can achieve.

The TRD asks for two things of the balanced tier at once: fewer than 5% of SLO periods
breached, and 50-80% of the error budget used on average. How far both can hold depends
on the fleet, not on the engine: where most of the error comes from rare incidents, a
month's error is usually far below a bad month's, so any target that a bad month meets
leaves most of the budget unused in a typical one.

One long simulated history is cut into 30-day months; the last `months` are judged. The
oracle that judges the engine knows each service's long-run distribution of monthly
error (`oracle_months` earlier months, ten years by default, none of them judged) and
sets the target at its (1 - q) quantile; sweeping q traces the best mean budget use a
fixed per-service target reaches at each breach rate. Two more are reported: the
in-sample oracle (the quantile of the judged months themselves, which no rule can follow:
over 24 months, at 3.5% breached, its mean use came out 16-37% above the distribution
oracle's on seeds 1 and 2) and the leave-one-out one (the service's other judged months).
The engine's forecast is then run the way production runs it (each service fitted on
the history before each month, at the pipeline's step, pooled with the fleet's prior
fitted on the same history; no dependency bound) and judged on the same months, so its
distance from the frontier, and its calibration, are measured, not guessed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from slo_engine.application.recommend_slos import COUNT_STEP_SECONDS
from slo_engine.bench.calibration_scores import (
    ORACLE_MONTHS,
    PeriodOutcome,
    calibrated,
    frontier_by_tier,
    known_distribution_frontier,
    oracle_frontier,
    out_of_sample_frontier,
    period_error_ratios,
    share_of_oracle,
    tier_figures,
)
from slo_engine.bench.evaluate import topology_for
from slo_engine.domain.availability_forecast import forecast_availability
from slo_engine.domain.fleet_prior import fleet_prior
from slo_engine.domain.incident_history import fit_service
from slo_engine.domain.slo import TIER_NAMES
from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.fleet.generators import GENERATORS, GeneratorName
from slo_engine.policy.loader import load_policy
from slo_engine.policy.recommendation_policy import RecommendationPolicy

EFFICIENCY_TARGET = 0.9  # issue 15: the balanced tier's use over the oracle's

MONTH_DAYS = 30
# A fixed end keeps a seed's history, daily cycle included, the same from run to run.
HISTORY_END_S = 1_767_225_600  # 2026-01-01T00:00:00Z


def bench_frontier(months: int, train_days: int, services: int | None, seed: int,
                   policy_file: Path | None = None, generator: GeneratorName = "simulation",
                   fleets: int = 1, oracle_months: int = ORACLE_MONTHS) -> dict[str, Any]:
    """`fleets` fleets of one generator (seeds seed, seed + 1, ...), each its own long
    history: the forecast backtested month by month, figures pooled over all of them
    with standard errors clustered by fleet."""
    started = time.perf_counter()
    topology = topology_for(services)
    policy = load_policy(policy_file)
    train_days = max(train_days, policy.forecast_history_days)
    outcomes: list[PeriodOutcome] = []
    judged_errors, known_errors = [], []
    for k in range(fleets):
        fleet = _backtest_fleet(topology, months, train_days, seed + k, policy, generator,
                                oracle_months)
        judged_errors.append(fleet.judged_errors)
        known_errors.append(fleet.known_errors)
        outcomes += fleet.outcomes
    errors = np.vstack(judged_errors)
    distribution = known_distribution_frontier(errors, np.vstack(known_errors))
    in_sample = oracle_frontier(errors)
    out_of_sample = out_of_sample_frontier(errors)
    tiers = tier_figures(outcomes)
    balanced = tiers["balanced"]
    share = round(share_of_oracle(distribution, balanced) or 0.0, 4)
    breach_met = balanced["breach_rate"] < 0.05
    return {
        "benchmark": "frontier", "generator": generator, "fleets": fleets,
        "seeds": [seed + k for k in range(fleets)],
        "services": errors.shape[0], "months": months, "train_days": train_days,
        "oracle_months": oracle_months,
        "oracle_frontier": distribution,
        "oracle_budget_use_mean_below_5pct_breach": max(
            (p["budget_use_mean"] for p in distribution if p["breach_rate"] < 0.05),
            default=0.0),
        "typical_over_bad_month_error_median": round(float(np.median(
            np.median(errors, axis=1) / np.maximum(np.quantile(errors, 0.95, axis=1),
                                                    1e-12))), 4),
        "engine_forecast": {"tiers": tiers,
                            "frontier": frontier_by_tier(distribution, tiers)},
        "engine_share_of_oracle_at_its_breach_rate": share,
        # The two oracles that know the judged months: in sample (each budget picked
        # from them) and leave-one-out (from the service's other judged months;
        # interpolation holds its use flat below its lowest breach rate).
        "in_sample_oracle_frontier": in_sample,
        "engine_share_of_in_sample_oracle": round(
            share_of_oracle(in_sample, balanced) or 0.0, 4),
        "out_of_sample_oracle_frontier": out_of_sample,
        "engine_share_of_out_of_sample_oracle": round(
            share_of_oracle(out_of_sample, balanced) or 0.0, 4),
        "meets_breach_target": breach_met,
        "meets_calibration_target": calibrated(tiers),
        # Balanced below 5% of months breached, at 90% of the oracle's budget use there.
        "meets_target": breach_met and share >= EFFICIENCY_TARGET,
        "seconds": round(time.perf_counter() - started, 1),
    }


@dataclass(frozen=True)
class BacktestedFleet:
    judged_errors: np.ndarray  # (services, months judged)
    known_errors: np.ndarray  # (services, oracle months, before the engine's history)
    outcomes: list[PeriodOutcome]


def _backtest_fleet(topology: dict[str, Any], months: int, train_days: int, seed: int,
                    policy: RecommendationPolicy, generator: GeneratorName,
                    oracle_months: int) -> BacktestedFleet:
    train_months = -(-train_days // MONTH_DAYS)
    history = GENERATORS[generator](topology,
                                    (oracle_months + months + train_months) * MONTH_DAYS,
                                    HISTORY_END_S, seed=seed)
    # Counts summed to the pipeline's step, as Prometheus would hand them over.
    per_step = COUNT_STEP_SECONDS // history.step_s
    steps = history.steps // per_step * per_step
    requests = history.requests[:, -steps:].reshape(len(history.services), -1, per_step).sum(2)
    failures = history.failures[:, -steps:].reshape(len(history.services), -1, per_step).sum(2)
    del history  # ten years of a fleet at the generator's step: gigabytes (evaluate.py too)
    month_steps = MONTH_DAYS * DAY_SECONDS // COUNT_STEP_SECONDS
    whole = requests.shape[1] // month_steps * month_steps
    every = period_error_ratios(requests[:, -whole:], failures[:, -whole:], month_steps)
    # The train months lie between the oracle's months and the judged ones.
    assert every.shape[1] >= oracle_months + train_months + months
    errors = every[:, -months:]
    return BacktestedFleet(errors, every[:, :oracle_months], engine_forecast_outcomes(
        requests, failures, errors, month_steps,
        train_days * DAY_SECONDS // COUNT_STEP_SECONDS, policy, f"seed-{seed}"))


def engine_forecast_outcomes(requests: np.ndarray, failures: np.ndarray,
                             errors: np.ndarray, month_steps: int, train_steps: int,
                             policy: RecommendationPolicy, cluster: str
                             ) -> list[PeriodOutcome]:
    """Before each judged month: every service fitted on the train steps, the fleet's
    prior from those fits, each service's forecast; its tiers judged on the month, with
    the breach probability each stated for it."""
    months = errors.shape[1]
    first_judged = requests.shape[1] - months * month_steps
    outcomes = []
    for m in range(months):
        split = first_judged + m * month_steps
        train = slice(split - train_steps, split)
        fits = [fit_service(requests[s, train], failures[s, train], COUNT_STEP_SECONDS,
                            policy.incident_detection) for s in range(errors.shape[0])]
        prior = fleet_prior(fits, (MONTH_DAYS,))
        for s, fit in enumerate(fits):
            forecast = forecast_availability(fit, prior, MONTH_DAYS,
                                             policy.forecast, seed=s * 1000 + m)
            for tier in TIER_NAMES:
                budget = 1 - forecast.tiers[tier].target_ratio
                outcomes.append(PeriodOutcome(
                    cluster, m, tier, bool(errors[s, m] > budget),
                    float(errors[s, m] / max(budget, 1e-12)),
                    forecast.tiers[tier].breach_probability))
    return outcomes
