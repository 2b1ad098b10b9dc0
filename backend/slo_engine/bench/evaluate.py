"""`slo-engine evaluate`: are the recommendations right on data they have not seen?

Each of `fleets` fleets (one seed each, of the chosen generator) is simulated for
history + months x test days and backfilled into a real Prometheus. For each month in
turn the engine's clock is set to the end of its training period (PromQL evaluated at
that time sees nothing later), the fleet's priors are fitted and recommendations made
through the real pipeline from the history before it, and each tier is then judged on
the held-out test period against the simulator's own counts. Figures pool service-months,
the TRD's "SLO windows", because one month is too small a sample to tune on:
- breach rate: the share of service-months whose availability fell below the tier;
- error-budget use: (1 - actual) / (1 - target), its mean as the TRD states it;
- Brier score: each tier's stated breach probability (a forecast for the next SLO period)
  against whether the held-out period breached it; and a reliability table;
- standard errors clustered by fleet (calibration_scores.py);
- the oracle frontier at each tier's breach rate: the best mean budget use of a fixed
  per-service target that knows the service's long-run distribution of period error
  from `oracle_months` periods simulated before the engine's history (never judged;
  never backfilled), and, reported beside it, the in-sample frontier of the held-out
  periods themselves, which flatters any oracle when there are few of them.
Latency tiers are judged the same way on the simulator's latency distribution (lognormal
per step): a tier at percentile p is breached when more than 1 - p of the test period's
requests were slower than the threshold its SLI is judged at, the bucket bound at or
above its target T (T itself when none is), as the generated rules count them (its
budget use is that share over 1 - p), and its stated probability (a forecast of the
period from daily histograms, at the same threshold) is scored against that outcome.
TRD targets: balanced tier breached by < 5% of services, budget use 50-80% on average.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from slo_engine.api.dependency_graph import to_submission
from slo_engine.api.ingestion_schemas import GraphSubmissionIn
from slo_engine.application.recommend_slos import SloRecommendation
from slo_engine.bench.bench_settings import bench_settings
from slo_engine.bench.calibration_scores import (
    ORACLE_MONTHS,
    PeriodOutcome,
    calibrated,
    frontier_by_tier,
    known_distribution_frontier,
    oracle_frontier,
    period_error_ratios,
    share_of_oracle,
    tier_figures,
)
from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.domain.slo import TIER_NAMES
from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.fleet.generators import GENERATORS, GeneratorName
from slo_engine.fleet.lognormal import lognormal_cdf
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import FleetHistory
from slo_engine.fleet.sliced_backfill import write_and_backfill
from slo_engine.policy.loader import load_policy
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.process_tuning import tune_garbage_collection
from slo_engine.runtime.prometheus_server import start_prometheus


class SettableClock:
    """The engine's clock, moved to the end of each month's training period in turn."""

    def __init__(self, now_ms: int) -> None:
        self.now = now_ms

    def now_ms(self) -> int:
        return self.now


def topology_for(services: int | None) -> dict[str, Any]:
    if services is None:
        demo = resources.files("slo_engine.samples").joinpath("demo-topology.json")
        return dict(orjson.loads(demo.read_bytes()))
    return synthetic_graph(services, services * 3, cycles=3, seed=9, source="manual")


# promtool is the slow part of a fleet: four slices, two backfilled at once, while the
# next is written.
BACKFILL_SLICES, BACKFILL_CONCURRENT = 4, 2


def evaluate(train_days: int, test_days: int, months: int, services: int | None, seed: int,
             policy_file: Path | None = None, generator: GeneratorName = "simulation",
             fleets: int = 1, oracle_months: int = ORACLE_MONTHS) -> dict[str, Any]:
    """Months roll: month k is recommended from the history before it and judged on its
    test_days, so each simulated fleet gives `months` held-out SLO periods a service."""
    tune_garbage_collection()
    topology = topology_for(services)
    judged = [_evaluate_fleet(topology, train_days, test_days, months, seed + k,
                              policy_file, generator, oracle_months) for k in range(fleets)]
    return {"benchmark": "evaluate", "generator": generator, "fleets": fleets,
            "seeds": [seed + k for k in range(fleets)], "oracle_months": oracle_months,
            **report(judged, train_days, test_days, months)}


def _evaluate_fleet(topology: dict[str, Any], train_days: int, test_days: int, months: int,
                    seed: int, policy_file: Path | None, generator: GeneratorName,
                    oracle_months: int) -> JudgedFleet:
    end = int(time.time()) // 3600 * 3600
    policy = load_policy(policy_file)
    backfilled_days = max(train_days, policy.forecast_history_days) + months * test_days
    whole = GENERATORS[generator](topology, oracle_months * test_days + backfilled_days, end,
                                  seed=seed)
    history = whole.last(backfilled_days * DAY_SECONDS // whole.step_s)
    period_steps = test_days * DAY_SECONDS // whole.step_s
    before = slice(whole.steps - history.steps - oracle_months * period_steps,
                   whole.steps - history.steps)
    known = period_error_ratios(whole.requests[:, before], whole.failures[:, before],
                                period_steps)
    del whole
    splits = [end - (months - k) * test_days * DAY_SECONDS for k in range(months)]
    with tempfile.TemporaryDirectory() as state:
        root = Path(state)
        write_and_backfill(history, root, root / "prometheus", _write_slice,
                           BACKFILL_SLICES, BACKFILL_CONCURRENT)
        prometheus = start_prometheus(root / "prometheus")
        settings = bench_settings(state_dir=root, prometheus_url=prometheus.url,
                                  policy_file=policy_file)
        clock = SettableClock(splits[0] * 1000)
        container = bootstrap(settings, clock)
        try:
            _ingest(container, topology)
            by_month = asyncio.run(_recommend_months(container, clock, history.services,
                                                     splits, train_days))
        finally:
            container.close()
            prometheus.stop()
    return JudgedFleet(f"seed-{seed}", history, by_month, known)


def _write_slice(history: FleetHistory, path: Path, steps: slice) -> int:
    # Only what the recommendations read: the calls along the edges feed discovery.
    return write_openmetrics(history, path, steps=steps, edge_calls=False)


def _ingest(container: Container, topology: dict[str, Any]) -> None:
    submission = to_submission(GraphSubmissionIn.model_validate(topology),
                               container.clock.now_ms())
    container.ingest.process(container.ingest.accept(submission), submission)


async def _recommend_months(container: Container, clock: SettableClock, services: list[str],
                            splits: list[int], train_days: int
                            ) -> list[tuple[int, dict[str, SloRecommendation]]]:
    history = container.require_history("evaluation replays recommendations on history")
    recommend = history.recommendations.recommender
    try:
        by_month = []
        for split_s in splits:
            clock.now = split_s * 1000
            # As the daily job would have: the fleet's priors from the history before it.
            await history.fit_priors.run()
            by_month.append((split_s, {service: await recommend.recommend(service, "all",
                                                                          train_days)
                                       for service in services}))
        return by_month
    finally:
        await history.telemetry.close()


@dataclass(frozen=True)
class JudgedFleet:
    name: str
    history: FleetHistory
    by_month: list[tuple[int, dict[str, SloRecommendation]]]
    # (services, periods): the error of test_days periods before the history, which only
    # the oracle knows
    known_errors: np.ndarray


def report(fleets: list[JudgedFleet], train_days: int, test_days: int, months: int
           ) -> dict[str, Any]:
    availability: list[PeriodOutcome] = []
    latency: list[PeriodOutcome] = []
    held_out_errors = []
    for fleet in fleets:
        test_steps = test_days * 86_400 // fleet.history.step_s
        errors = np.zeros((len(fleet.history.services), len(fleet.by_month)))
        for month, (split_s, recommendations) in enumerate(fleet.by_month):
            first = (split_s - fleet.history.start_s) // fleet.history.step_s + 1
            test = slice(first, first + test_steps)
            errors[:, month] = _period_errors(fleet.history, test)
            availability += _availability_outcomes(fleet, month, recommendations, test)
            latency += _latency_outcomes(fleet, month, recommendations, test)
        held_out_errors.append(errors)
    if not availability:
        raise RuntimeError("no service had an availability recommendation to evaluate")
    tiers = tier_figures(availability)
    judged = np.vstack(held_out_errors)
    frontier = known_distribution_frontier(judged,
                                           np.vstack([f.known_errors for f in fleets]))
    in_sample = oracle_frontier(judged)
    balanced = tiers["balanced"]
    share = share_of_oracle(frontier, balanced)
    in_sample_share = share_of_oracle(in_sample, balanced)
    return {
        "train_days": train_days, "test_days": test_days, "months": months,
        "services": sum(len(f.history.services) for f in fleets),
        "service_months_evaluated": balanced["periods"],
        "availability": {"tiers": tiers,
                         "frontier": frontier_by_tier(frontier, tiers),
                         "oracle_frontier": frontier,
                         "in_sample_frontier": frontier_by_tier(in_sample, tiers),
                         "in_sample_oracle_frontier": in_sample,
                         "balanced_breach_rate_by_month": _by_month(availability)},
        "latency": {"tiers": tier_figures(latency),
                    "note": "judged on the simulator's true latency at the bucket bound "
                            "each SLI is judged at (the target's, when it is a bound); "
                            "the targets read the histogram, which interpolates inside "
                            "buckets"},
        "targets": {"balanced_breach_rate_below": 0.05, "calibration_points_within": 0.02,
                    "share_of_oracle_at_least": 0.9, "budget_use_mean_between": [0.5, 0.8]},
        "balanced_share_of_oracle": None if share is None else round(share, 4),
        "balanced_share_of_in_sample_oracle": None if in_sample_share is None
        else round(in_sample_share, 4),
        "meets_breach_target": balanced["breach_rate"] < 0.05,
        "meets_calibration_target": calibrated(tiers),
        "meets_efficiency_target": share is not None and share >= 0.9,
        "meets_budget_target": 0.5 <= balanced["budget_use_mean"] <= 0.8,
    }


def _by_month(outcomes: list[PeriodOutcome]) -> list[float]:
    months = sorted({o.month for o in outcomes})
    return [round(float(np.mean([o.breached for o in outcomes
                                 if o.month == m and o.tier == "balanced"])), 4)
            for m in months]


def _period_errors(history: FleetHistory, test: slice) -> np.ndarray:
    requests = history.requests[:, test].sum(axis=1)
    errors: np.ndarray = history.failures[:, test].sum(axis=1) / np.maximum(requests, 1.0)
    return errors


def _availability_outcomes(fleet: JudgedFleet, month: int,
                           recommendations: dict[str, SloRecommendation], test: slice
                           ) -> list[PeriodOutcome]:
    outcomes = []
    history = fleet.history
    for service, result in recommendations.items():
        rec = result.availability
        if rec is None or rec.windows == 0:
            continue
        i = history.index(service)
        requests, failures = history.requests[i, test], history.failures[i, test]
        actual = 1 - failures.sum() / requests.sum()
        for tier in TIER_NAMES:
            target = rec.tiers[tier].target_ratio
            # The stated probability is a forecast for this very period: judged on it.
            outcomes.append(PeriodOutcome(fleet.name, month, tier, bool(actual < target),
                                          float((1 - actual) / (1 - target)),
                                          rec.tiers[tier].breach_probability))
    return outcomes


def _latency_outcomes(fleet: JudgedFleet, month: int,
                      recommendations: dict[str, SloRecommendation], test: slice
                      ) -> list[PeriodOutcome]:
    """Per tier, whether more than 1 - p of the test period's requests were slower than
    the threshold its SLI is judged at (the bucket bound at or above the target, as the
    generated rules count them), against the tier's forecast for the period."""
    history, outcomes = fleet.history, []
    for service, result in recommendations.items():
        rec = result.latency
        if rec is None or rec.windows == 0:
            continue
        i = history.index(service)
        requests, medians = history.requests[i, test], history.latency_median_s[i, test]
        sigma = float(history.latency_sigma[i])
        for tier in TIER_NAMES:
            judged = rec.tiers[tier]
            if judged.target_seconds is None:  # beyond the histogram: no target to judge
                continue
            # A target above every finite bucket is forecast on the share above the
            # largest (all the histogram tells): judged there too.
            threshold = judged.judged_at_seconds or min(
                judged.target_seconds, max(rec.bucket_bounds_seconds, default=math.inf))
            slow = requests * (1 - lognormal_cdf(threshold, medians, sigma))
            allowed = 1 - judged.percentile
            use = float(slow.sum() / requests.sum() / allowed)
            outcomes.append(PeriodOutcome(fleet.name, month, tier, use > 1, use,
                                          judged.breach_probability))
    return outcomes
