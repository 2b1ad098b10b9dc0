"""`slo-engine evaluate`: are the recommendations right on data they have not seen?

A fleet is simulated for train + months x test days and backfilled into a real
Prometheus. For each month in turn the engine's clock is set to the end of its training
period (PromQL evaluated at that time sees nothing later), recommendations are made
through the real pipeline from the train days before it, and each tier is then judged on
the held-out test period against the simulator's own counts. Figures pool service-months,
the TRD's "SLO windows", because one month is too small a sample to tune on:
- breach rate: the share of service-months whose availability fell below the tier;
- error-budget use: (1 - actual) / (1 - target), its mean as the TRD states it;
- Brier score: each tier's stated breach probability (a forecast for the next SLO period)
  against whether the held-out period breached it.
Latency tiers are judged the same way on the simulator's latency distribution (lognormal
per step): a tier at percentile p with target T is breached when more than 1 - p of the
test period's requests were slower than T (its budget use is that share over 1 - p), and
its Brier score is taken over the test period's hours.
TRD targets: balanced tier breached by < 5% of services, budget use 50-80% on average.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from slo_engine.api.dependencies import to_submission
from slo_engine.api.ingestion_schemas import GraphSubmissionIn
from slo_engine.application.recommend_slos import SloRecommendation
from slo_engine.bench.bench_settings import bench_settings
from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.domain.recommendation import TIER_NAMES
from slo_engine.fleet.generators import GENERATORS, GeneratorName
from slo_engine.fleet.openmetrics import lognormal_cdf, write_openmetrics
from slo_engine.fleet.simulation import FleetHistory
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.process_tuning import tune_garbage_collection
from slo_engine.runtime.prometheus_server import backfill_openmetrics, start_prometheus


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


def evaluate(train_days: int, test_days: int, months: int, services: int | None, seed: int,
             policy_file: Path | None = None,
             generator: GeneratorName = "simulation") -> dict[str, Any]:
    """Months roll: month k is recommended from the train_days before it and judged on
    its test_days, so one simulated history gives `months` held-out SLO periods."""
    tune_garbage_collection()
    topology = topology_for(services)
    end = int(time.time()) // 3600 * 3600
    history = GENERATORS[generator](topology, train_days + months * test_days, end, seed=seed)
    splits = [end - (months - k) * test_days * 86_400 for k in range(months)]
    with tempfile.TemporaryDirectory() as state:
        root = Path(state)
        write_openmetrics(history, root / "fleet.om")
        backfill_openmetrics(root / "fleet.om", root / "prometheus")
        (root / "fleet.om").unlink()
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
    return {"generator": generator, **_score(history, by_month, train_days, test_days)}


def _ingest(container: Container, topology: dict[str, Any]) -> None:
    submission = to_submission(GraphSubmissionIn.model_validate(topology),
                               container.clock.now_ms())
    container.ingest.process(container.ingest.accept(submission), submission)


async def _recommend_months(container: Container, clock: SettableClock, services: list[str],
                            splits: list[int], train_days: int
                            ) -> list[tuple[int, dict[str, SloRecommendation]]]:
    if container.recommendations is None or container.telemetry is None \
            or container.fit_priors is None:
        raise RuntimeError("evaluation needs the metrics store")
    recommend = container.recommendations.recommender
    try:
        by_month = []
        for split_s in splits:
            clock.now = split_s * 1000
            # As the daily job would have: the fleet's priors from the history before it.
            await container.fit_priors.run()
            by_month.append((split_s, {service: await recommend.recommend(service, "all",
                                                                          train_days)
                                       for service in services}))
        return by_month
    finally:
        await container.telemetry.close()


class _TierScores:
    """Per tier: breached or not per service-month, squared errors of the stated breach
    probability per judged window; the balanced tier's budget use per service-month."""

    def __init__(self) -> None:
        self.breached: dict[str, list[bool]] = {tier: [] for tier in TIER_NAMES}
        self.squared_errors: dict[str, list[float]] = {tier: [] for tier in TIER_NAMES}
        self.budget_use: dict[str, list[float]] = {tier: [] for tier in TIER_NAMES}
        self.balanced_by_month: dict[int, list[bool]] = {}

    def add(self, month: int, tier: str, breached: bool, budget_use: float,
            stated: float | None, window_outcomes: np.ndarray) -> None:
        self.breached[tier].append(breached)
        self.budget_use[tier].append(budget_use)
        self.squared_errors[tier] += (((stated or 0.0) - window_outcomes) ** 2).tolist()
        if tier == "balanced":
            self.balanced_by_month.setdefault(month, []).append(breached)

    def summary(self) -> dict[str, Any]:
        use = self.budget_use["balanced"]
        return {
            "service_months_evaluated": len(use),
            "breach_rate": {t: round(float(np.mean(v)), 4) for t, v in self.breached.items()},
            "breach_rate_standard_error": {
                t: round(float(np.sqrt(np.mean(v) * (1 - np.mean(v)) / len(v))), 4)
                for t, v in self.breached.items()},
            "balanced_breach_rate_by_month": [round(float(np.mean(v)), 4) for _, v
                                              in sorted(self.balanced_by_month.items())],
            "budget_use_mean": {t: round(float(np.mean(v)), 4)
                                for t, v in self.budget_use.items()},
            "balanced_budget_use_median": round(statistics.median(use), 4),
            "balanced_budget_use_p90": round(float(np.quantile(use, 0.9)), 4),
            "balanced_budget_use_mean": round(float(np.mean(use)), 4),
            "brier": {t: round(float(np.mean(v)), 5) for t, v in self.squared_errors.items()
                      if v},
        }


def _score(history: FleetHistory,
           by_month: list[tuple[int, dict[str, SloRecommendation]]],
           train_days: int, test_days: int) -> dict[str, Any]:
    availability, latency = _TierScores(), _TierScores()
    test_steps = test_days * 86_400 // history.step_s
    for month, (split_s, recommendations) in enumerate(by_month):
        first = (split_s - history.start_s) // history.step_s + 1
        test = slice(first, first + test_steps)
        _score_availability(availability, month, history, recommendations, test)
        _score_latency(latency, month, history, recommendations, test)
    if not availability.budget_use["balanced"]:
        raise RuntimeError("no service had an availability recommendation to evaluate")
    breach_rate = float(np.mean(availability.breached["balanced"]))
    mean_use = float(np.mean(availability.budget_use["balanced"]))
    return {
        "benchmark": "evaluate", "train_days": train_days, "test_days": test_days,
        "months": len(by_month), "services": len(by_month[0][1]), **availability.summary(),
        "latency": latency.summary() if latency.budget_use["balanced"]
        else {"service_months_evaluated": 0},
        "targets": {"balanced_breach_rate_below": 0.05, "budget_use_mean_between": [0.5, 0.8]},
        "meets_breach_target": breach_rate < 0.05,
        "meets_budget_target": 0.5 <= mean_use <= 0.8,
    }


def _score_availability(scores: _TierScores, month: int, history: FleetHistory,
                        recommendations: dict[str, SloRecommendation], test: slice) -> None:
    for service, result in recommendations.items():
        rec = result.availability
        if rec is None or rec.windows == 0:
            continue
        i = history.index(service)
        requests, failures = history.requests[i, test], history.failures[i, test]
        actual = 1 - failures.sum() / requests.sum()
        for tier in TIER_NAMES:
            target = rec.tiers[tier].target_ratio
            missed = bool(actual < target)
            # The stated probability is a forecast for this very period: judged on it.
            scores.add(month, tier, missed, float((1 - actual) / (1 - target)),
                       rec.tiers[tier].breach_probability, np.array([float(missed)]))


def _score_latency(scores: _TierScores, month: int, history: FleetHistory,
                   recommendations: dict[str, SloRecommendation], test: slice) -> None:
    """Brier over the test period's hours, the latency tiers' breach-probability window."""
    hour = max(1, 3600 // history.step_s)
    for service, result in recommendations.items():
        rec = result.latency
        if rec is None or rec.windows == 0:
            continue
        i = history.index(service)
        requests, medians = history.requests[i, test], history.latency_median_s[i, test]
        sigma = float(history.latency_sigma[i])
        hours = len(requests) // hour * hour
        hourly_total = requests[:hours].reshape(-1, hour).sum(axis=1)
        for tier in TIER_NAMES:
            judged = rec.tiers[tier]
            if judged.target_seconds is None:  # beyond the histogram: no target to judge
                continue
            slow = requests * (1 - lognormal_cdf(judged.target_seconds, medians, sigma))
            allowed = 1 - judged.percentile
            use = float(slow.sum() / requests.sum() / allowed)
            hourly_slow = slow[:hours].reshape(-1, hour).sum(axis=1)
            known = hourly_total > 0
            scores.add(month, tier, use > 1, use, judged.breach_probability,
                       (hourly_slow[known] / hourly_total[known] > allowed).astype(float))
