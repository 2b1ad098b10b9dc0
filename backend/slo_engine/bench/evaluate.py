"""`slo-engine evaluate`: are the recommendations right on data they have not seen?

A fleet is simulated for train + test days and backfilled into a real Prometheus; the
engine's clock is set to the end of the training period (PromQL evaluated at that time
sees nothing later), recommendations are made through the real pipeline, and each tier
is then judged on the held-out test period against the simulator's own counts:
- breach rate: the share of services whose test-period availability fell below the tier;
- error-budget use of the balanced tier: (1 - actual) / (1 - target);
- Brier score: each tier's stated breach probability (per availability window) against
  whether each non-overlapping window of the test period breached it.
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
from slo_engine.fleet.openmetrics import lognormal_cdf, write_openmetrics
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.process_tuning import tune_garbage_collection
from slo_engine.runtime.prometheus_server import backfill_openmetrics, start_prometheus

TIERS = ("conservative", "balanced", "aggressive")


class FixedClock:
    def __init__(self, now_ms: int) -> None:
        self._now = now_ms

    def now_ms(self) -> int:
        return self._now


def _topology(services: int | None) -> dict[str, Any]:
    if services is None:
        demo = resources.files("slo_engine.samples").joinpath("demo-topology.json")
        return dict(orjson.loads(demo.read_bytes()))
    return synthetic_graph(services, services * 3, cycles=3, seed=9, source="manual")


def evaluate(train_days: int, test_days: int, services: int | None, seed: int,
             policy_file: Path | None = None) -> dict[str, Any]:
    tune_garbage_collection()
    topology = _topology(services)
    end = int(time.time()) // 3600 * 3600
    history = simulate_fleet(topology, train_days + test_days, end, seed=seed)
    split_s = end - test_days * 86_400
    with tempfile.TemporaryDirectory() as state:
        root = Path(state)
        write_openmetrics(history, root / "fleet.om")
        backfill_openmetrics(root / "fleet.om", root / "prometheus")
        (root / "fleet.om").unlink()
        prometheus = start_prometheus(root / "prometheus")
        settings = bench_settings(state_dir=root, prometheus_url=prometheus.url,
                            policy_file=policy_file)
        container = bootstrap(settings, FixedClock(split_s * 1000))
        try:
            _ingest(container, topology)
            recommendations = asyncio.run(_recommend_all(container, history.services,
                                                         train_days))
        finally:
            container.close()
            prometheus.stop()
    return _score(history, recommendations, split_s, train_days, test_days)


def _ingest(container: Container, topology: dict[str, Any]) -> None:
    submission = to_submission(GraphSubmissionIn.model_validate(topology),
                               container.clock.now_ms())
    container.ingest.process(container.ingest.accept(submission), submission)


async def _recommend_all(container: Container, services: list[str], train_days: int
                         ) -> dict[str, SloRecommendation]:
    if container.recommendations is None or container.telemetry is None:
        raise RuntimeError("evaluation needs the metrics store")
    recommend = container.recommendations.recommender
    try:
        results = {}
        for service in services:
            results[service] = await recommend.recommend(service, "all", train_days)
        return results
    finally:
        await container.telemetry.close()


class _TierScores:
    """Per tier: breached or not per service, squared errors of the stated breach
    probability per judged window; the balanced tier's budget use per service."""

    def __init__(self) -> None:
        self.breached: dict[str, list[bool]] = {tier: [] for tier in TIERS}
        self.squared_errors: dict[str, list[float]] = {tier: [] for tier in TIERS}
        self.budget_use: list[float] = []

    def add(self, tier: str, breached: bool, stated: float | None,
            window_outcomes: np.ndarray) -> None:
        self.breached[tier].append(breached)
        self.squared_errors[tier] += (((stated or 0.0) - window_outcomes) ** 2).tolist()

    def summary(self) -> dict[str, Any]:
        use = self.budget_use
        return {
            "services_evaluated": len(use),
            "breach_rate": {t: round(float(np.mean(v)), 4) for t, v in self.breached.items()},
            "balanced_budget_use_median": round(statistics.median(use), 4),
            "balanced_budget_use_p90": round(float(np.quantile(use, 0.9)), 4),
            "balanced_budget_use_mean": round(float(np.mean(use)), 4),
            "brier": {t: round(float(np.mean(v)), 5) for t, v in self.squared_errors.items()
                      if v},
        }


def _score(history: FleetHistory, recommendations: dict[str, SloRecommendation],
           split_s: int, train_days: int, test_days: int) -> dict[str, Any]:
    first_test_step = (split_s - history.start_s) // history.step_s + 1
    scores = _TierScores()
    for service, result in recommendations.items():
        rec = result.availability
        if rec is None or rec.windows == 0:
            continue
        i = history.index(service)
        requests = history.requests[i, first_test_step:]
        failures = history.failures[i, first_test_step:]
        actual = 1 - failures.sum() / requests.sum()
        for tier in TIERS:
            target = rec.tiers[tier].target_ratio
            scores.add(tier, bool(actual < target), rec.tiers[tier].breach_probability,
                       np.array(_window_outcomes(requests, failures, history.step_s,
                                                 rec.window_days, target)))
        scores.budget_use.append(float((1 - actual) / (1 - rec.tiers["balanced"].target_ratio)))
    if not scores.budget_use:
        raise RuntimeError("no service had an availability recommendation to evaluate")
    latency = _score_latency(history, recommendations, first_test_step)
    mean_use = float(np.mean(scores.budget_use))
    return {
        "benchmark": "evaluate", "train_days": train_days, "test_days": test_days,
        "services": len(recommendations), **scores.summary(),
        "latency": latency.summary() if latency.budget_use else {"services_evaluated": 0},
        "targets": {"balanced_breach_rate_below": 0.05, "budget_use_mean_between": [0.5, 0.8]},
        "meets_breach_target": bool(np.mean(scores.breached["balanced"]) < 0.05),
        "meets_budget_target": bool(0.5 <= mean_use <= 0.8),
    }


def _score_latency(history: FleetHistory, recommendations: dict[str, SloRecommendation],
                   first_test_step: int) -> _TierScores:
    """Brier over the test period's hours, the latency tiers' breach-probability window."""
    scores = _TierScores()
    hour = max(1, 3600 // history.step_s)
    for service, result in recommendations.items():
        rec = result.latency
        if rec is None or rec.windows == 0:
            continue
        i = history.index(service)
        requests = history.requests[i, first_test_step:]
        medians = history.latency_median_s[i, first_test_step:]
        sigma = float(history.latency_sigma[i])
        hours = len(requests) // hour * hour
        hourly_total = requests[:hours].reshape(-1, hour).sum(axis=1)
        for tier in TIERS:
            judged = rec.tiers[tier]
            slow = requests * (1 - lognormal_cdf(judged.target_seconds, medians, sigma))
            allowed = 1 - judged.percentile
            use = float(slow.sum() / requests.sum() / allowed)
            hourly_slow = slow[:hours].reshape(-1, hour).sum(axis=1)
            known = hourly_total > 0
            scores.add(tier, use > 1, judged.breach_probability,
                       (hourly_slow[known] / hourly_total[known] > allowed).astype(float))
            if tier == "balanced":
                scores.budget_use.append(use)
    return scores


def _window_outcomes(requests: np.ndarray, failures: np.ndarray, step_s: int,
                     window_days: float, target: float) -> list[float]:
    """1.0 for each non-overlapping test window whose availability missed the target."""
    size = max(1, round(window_days * 86_400 / step_s))
    outcomes = []
    for start in range(0, len(requests) - size + 1, size):
        total = requests[start:start + size].sum()
        if total > 0:
            outcomes.append(float(1 - failures[start:start + size].sum() / total < target))
    return outcomes
