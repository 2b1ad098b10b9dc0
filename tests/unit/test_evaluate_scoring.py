"""The held-out scoring of `slo-engine evaluate`, on hand-made histories."""

from __future__ import annotations

import numpy as np
import pytest

from slo_engine.application.recommend_slos import SloRecommendation
from slo_engine.bench.evaluate import _score
from slo_engine.domain.recommendation import (
    AvailabilityRecommendation,
    AvailabilityTier,
    DataQuality,
    LatencyRecommendation,
    LatencyTier,
)
from slo_engine.fleet.simulation import FleetHistory

STEP = 86_400  # one step a day keeps the arithmetic visible


def recommendation(service: str, target: float, stated: float) -> SloRecommendation:
    tiers = {t: AvailabilityTier(target, 0.0, stated, None)
             for t in ("conservative", "balanced", "aggressive")}
    result = SloRecommendation(service, 0, 0, 0, DataQuality(1.0, 4.0, ()), "high", None)
    result.availability = AvailabilityRecommendation(0.999, tiers, 2, 10, False, target)
    return result


def test_breach_budget_use_and_brier_are_judged_on_the_test_period_only() -> None:
    days = 8  # 4 training days, 4 test days
    requests = np.full((2, days), 1000.0)
    failures = np.zeros((2, days))
    failures[0, :4] = 500      # terrible training days must not count
    failures[1, 4:] = 2        # 99.8% in the test period
    history = FleetHistory(0, STEP, ["a", "b"], requests, failures, np.ones((2, days)),
                           np.ones(2), np.zeros((2, days)), np.zeros((2, days)))
    split = 3 * STEP  # the last training step
    report = _score(history, [(split, {"a": recommendation("a", 0.999, 0.0),
                                       "b": recommendation("b", 0.999, 0.5)})], 4, 4)
    assert report["breach_rate"]["balanced"] == 0.5                # b: 99.8% < 99.9%
    assert report["balanced_budget_use_median"] == pytest.approx((0 + 2.0) / 2)
    # A forecast for the test period: a stated 0, not breached -> 0; b stated 0.5,
    # breached -> 0.25.
    assert report["brier"]["balanced"] == pytest.approx((0 + 0.25) / 2)


def test_latency_tiers_are_judged_on_the_share_of_slow_test_requests() -> None:
    days = 8
    requests = np.full((1, days), 1000.0)
    medians = np.full((1, days), 0.1)
    medians[0, :4] = 5.0  # slow training days must not count
    history = FleetHistory(0, STEP, ["a"], requests, np.zeros((1, days)), medians,
                           np.array([0.5]), np.zeros((1, days)), np.zeros((1, days)))
    target = 0.1 * np.exp(3 * 0.5)  # three sigmas above the median: 0.135% slower
    result = recommendation("a", 0.999, 0.0)
    result.latency = LatencyRecommendation(
        {0.99: 0.3}, {"conservative": LatencyTier(target, 0.999, 0.0),
                      "balanced": LatencyTier(target, 0.99, 0.5),
                      "aggressive": LatencyTier(target, 0.95, 0.0)}, 0.05, 10)
    latency = _score(history, [(3 * STEP, {"a": result})], 4, 4)["latency"]
    assert latency["breach_rate"] == {"conservative": 1.0, "balanced": 0.0, "aggressive": 0.0}
    assert latency["balanced_budget_use_mean"] == pytest.approx(0.00135 / 0.01, rel=1e-2)
    # Stated 0.5 against four test days (one step an hour here), none breached.
    assert latency["brier"]["balanced"] == pytest.approx(0.25)
    assert latency["brier"]["conservative"] == pytest.approx(1.0)


def test_rolling_months_are_each_judged_on_their_own_test_period_and_pooled() -> None:
    days = 8  # two training days, then three two-day test months
    requests = np.full((1, days), 1000.0)
    failures = np.zeros((1, days))
    failures[0, 4:6] = 5  # the second month runs at 99.5%
    history = FleetHistory(0, STEP, ["a"], requests, failures, np.ones((1, days)),
                           np.ones(1), np.zeros((1, days)), np.zeros((1, days)))
    months = [(split * STEP, {"a": recommendation("a", 0.999, 0.0)}) for split in (1, 3, 5)]
    report = _score(history, months, 2, 2)
    assert report["months"] == 3
    assert report["service_months_evaluated"] == 3
    assert report["balanced_breach_rate_by_month"] == [0.0, 1.0, 0.0]
    assert report["breach_rate"]["balanced"] == pytest.approx(1 / 3, abs=1e-4)
    # Budget use per month: 0, 0.005 / 0.001 = 5, 0 -> mean 5 / 3.
    assert report["balanced_budget_use_mean"] == pytest.approx(5 / 3, abs=1e-4)
    assert report["budget_use_mean"]["balanced"] == pytest.approx(5 / 3, abs=1e-4)
