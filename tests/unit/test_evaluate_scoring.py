"""The held-out scoring of `slo-engine evaluate`, on hand-made histories and outcomes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from slo_engine.application.recommend_slos import SloRecommendation
from slo_engine.bench.calibration_scores import (
    PeriodOutcome,
    clustered_standard_error,
    reliability,
    tier_figures,
)
from slo_engine.bench.evaluate import JudgedFleet, report
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


def fleet(history: FleetHistory, months: list[tuple[int, dict[str, SloRecommendation]]],
          name: str = "seed-1", known_errors: np.ndarray | None = None) -> JudgedFleet:
    """Without known errors, each service's known periods all ran at 0.01."""
    known = np.full((len(history.services), 4), 0.01) if known_errors is None else known_errors
    return JudgedFleet(name, history, months, known)


def test_breach_budget_use_and_brier_are_judged_on_the_test_period_only() -> None:
    days = 8  # 4 training days, 4 test days
    requests = np.full((2, days), 1000.0)
    failures = np.zeros((2, days))
    failures[0, :4] = 500      # terrible training days must not count
    failures[1, 4:] = 2        # 99.8% in the test period
    history = FleetHistory(0, STEP, ["a", "b"], requests, failures, np.ones((2, days)),
                           np.ones(2), np.zeros((2, days)), np.zeros((2, days)))
    split = 3 * STEP  # the last training step
    figures = report([fleet(history, [(split, {"a": recommendation("a", 0.999, 0.0),
                                               "b": recommendation("b", 0.999, 0.5)})])],
                     4, 4, 1)
    balanced = figures["availability"]["tiers"]["balanced"]
    assert balanced["breach_rate"] == 0.5                # b: 99.8% < 99.9%
    assert balanced["budget_use_median"] == pytest.approx((0 + 2.0) / 2)
    assert balanced["mean_stated_probability"] == 0.25
    # A forecast for the test period: a stated 0, fine -> 0; b stated 0.5, breached -> 0.25.
    assert balanced["brier"] == pytest.approx((0 + 0.25) / 2)
    assert figures["service_months_evaluated"] == 2


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
    tiers = report([fleet(history, [(3 * STEP, {"a": result})])], 4, 4, 1)["latency"]["tiers"]
    assert {t: v["breach_rate"] for t, v in tiers.items()} == {
        "conservative": 1.0, "balanced": 0.0, "aggressive": 0.0}
    assert tiers["balanced"]["budget_use_mean"] == pytest.approx(0.00135 / 0.01, rel=1e-2)
    assert tiers["balanced"]["mean_stated_probability"] == 0.5
    assert tiers["conservative"]["brier"] == pytest.approx(1.0)  # stated 0, breached


def test_rolling_months_are_each_judged_on_their_own_test_period_and_pooled() -> None:
    days = 8  # two training days, then three two-day test months
    requests = np.full((1, days), 1000.0)
    failures = np.zeros((1, days))
    failures[0, 4:6] = 5  # the second month runs at 99.5%
    history = FleetHistory(0, STEP, ["a"], requests, failures, np.ones((1, days)),
                           np.ones(1), np.zeros((1, days)), np.zeros((1, days)))
    months = [(split * STEP, {"a": recommendation("a", 0.999, 0.0)}) for split in (1, 3, 5)]
    # The oracle knows four earlier periods: 0.002, 0.004, 0.010, 0.001.
    known = np.array([[0.002, 0.004, 0.010, 0.001]])
    figures = report([fleet(history, months, known_errors=known)], 2, 2, 3)
    assert figures["service_months_evaluated"] == 3
    assert figures["availability"]["balanced_breach_rate_by_month"] == [0.0, 1.0, 0.0]
    balanced = figures["availability"]["tiers"]["balanced"]
    assert balanced["breach_rate"] == pytest.approx(1 / 3, abs=1e-4)
    # Budget use per month: 0, 0.005 / 0.001 = 5, 0 -> mean 5 / 3.
    assert balanced["budget_use_mean"] == pytest.approx(5 / 3, abs=1e-4)
    # The oracle's budgets come from the known periods, never the judged ones: at the
    # worst known (0.010) none of 0, 0.005, 0 breaches and use is (0 + 0.5 + 0) / 3; at
    # the second worst (0.004) the 0.005 month breaches.
    first, second = figures["availability"]["oracle_frontier"][:2]
    assert (first["breach_rate"], first["budget_use_mean"]) == (0.0, 0.1667)
    assert (second["breach_rate"], second["budget_use_mean"]) == (0.3333, 0.4167)
    # In sample, the budget at the worst judged month (0.005) uses (0 + 1 + 0) / 3.
    in_sample = figures["availability"]["in_sample_oracle_frontier"][0]
    assert (in_sample["breach_rate"], in_sample["budget_use_mean"]) == (0.0, 0.3333)


def test_the_standard_error_clusters_by_fleet() -> None:
    # Two fleets: one breached in both of its periods, one in neither. Independent periods
    # would claim sqrt(0.25 / 4) = 0.25; clustered, the fleets are two observations.
    values, clusters = [1.0, 1.0, 0.0, 0.0], ["a", "a", "b", "b"]
    assert clustered_standard_error(values, clusters) == pytest.approx(
        math.sqrt(2 / 1 * (1.0 ** 2 + 1.0 ** 2)) / 4)
    assert math.isnan(clustered_standard_error([1.0, 0.0], ["a", "a"]))


def test_the_reliability_table_bins_stated_probabilities_against_outcomes() -> None:
    outcomes = [PeriodOutcome("f", 0, "balanced", k < 3, 0.5, 0.05) for k in range(40)]
    outcomes += [PeriodOutcome("f", 0, "balanced", False, 0.2, 0.005) for _ in range(10)]
    rows = reliability(outcomes)
    assert rows == [
        {"bin": [0.0, 0.01], "periods": 10, "mean_stated": 0.005, "realised": 0.0,
         "binomial_se": 0.0223, "clustered_se": None,  # one fleet: no clustered figure
         "within_2se": None},  # fewer than 30 periods: not judged
        {"bin": [0.05, 0.1], "periods": 40, "mean_stated": 0.05, "realised": 0.075,
         "binomial_se": 0.0345, "clustered_se": None,
         "within_2se": True}]  # |0.075 - 0.05| <= 2 x sqrt(0.05 x 0.95 / 40) = 0.069
    figures = tier_figures(outcomes)["balanced"]
    assert figures["periods"] == 50
    assert figures["breach_rate"] == 0.06


def test_a_reliability_bin_is_judged_on_the_clustered_error_where_fleets_differ() -> None:
    # 4 fleets of 100 periods stated 5%: breached 10, 10, 0 and 30 times (one fleet's bad
    # month), 12.5% realised. Binomially (2 x 0.0109) that misses; but the fleets are the
    # independent units, and the clustered error (their spread) is what the realised
    # rate is known to.
    def fleet(name: str, breaches: int) -> list[PeriodOutcome]:
        return [PeriodOutcome(name, 0, "balanced", k < breaches, 0.5, 0.05)
                for k in range(100)]
    outcomes = fleet("a", 10) + fleet("b", 10) + fleet("c", 0) + fleet("d", 30)
    [row] = reliability(outcomes)
    assert row["realised"] == 0.125
    assert row["binomial_se"] == pytest.approx(math.sqrt(0.05 * 0.95 / 400), abs=1e-4)
    expected = math.sqrt(4 / 3 * sum((b - 12.5) ** 2 for b in (10, 10, 0, 30))) / 400
    assert row["clustered_se"] == pytest.approx(expected, abs=1e-4)
    assert row["within_2se"] is True  # |0.125 - 0.05| = 0.075 <= 2 x 0.0629
    # 12 breaches in each fleet: no spread between fleets, so the binomial error judges
    # (0.07 > 2 x 0.0109): it misses.
    [row] = reliability([o for name in "abcd" for o in fleet(name, 12)])
    assert row["realised"] == 0.12
    assert row["clustered_se"] == pytest.approx(0.0, abs=1e-9)
    assert row["within_2se"] is False
