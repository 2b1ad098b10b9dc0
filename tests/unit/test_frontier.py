"""The oracle frontier of `slo-engine bench frontier`, on hand-made monthly errors."""

from __future__ import annotations

import numpy as np
import pytest

from slo_engine.bench.calibration_scores import (
    known_distribution_frontier,
    oracle_frontier,
    period_error_ratios,
)


def test_period_error_ratios_pool_each_months_counts() -> None:
    requests = np.array([[100.0, 300.0, 200.0, 200.0]])
    failures = np.array([[1.0, 3.0, 0.0, 8.0]])
    assert period_error_ratios(requests, failures, 2).tolist() == [[0.01, 0.02]]


def test_each_point_sets_every_budget_at_the_services_kth_worst_month() -> None:
    errors = np.array([[0.001, 0.004, 0.002, 0.001],
                       [0.010, 0.010, 0.010, 0.010]])
    first, second = oracle_frontier(errors, highest_breach_rate=0.25)
    # k = 1: budgets 0.004 and 0.010, nothing breaches.
    assert first["breach_rate"] == 0.0
    assert first["budget_use_mean"] == pytest.approx((0.25 + 1 + 0.5 + 0.25 + 4) / 8, abs=1e-4)
    # k = 2: budgets 0.002 and 0.010; one of eight service-months (0.004 > 0.002) breaches.
    assert second["breach_rate"] == 0.25 / 2
    assert second["budget_use_mean"] == pytest.approx((0.5 + 2 + 1 + 0.5 + 4) / 8, abs=1e-4)
    assert second["budget_use_mean_capped_at_1"] == pytest.approx((0.5 + 1 + 1 + 0.5 + 4) / 8,
                                                                  abs=1e-4)


def test_the_distribution_oracle_takes_its_budgets_from_known_months_only() -> None:
    known = np.array([[0.004, 0.001, 0.002, 0.003]])
    judged = np.array([[0.001, 0.0025]])
    first, second, third = known_distribution_frontier(judged, known, highest_breach_rate=0.5)
    # k = 1: the budget is the worst known month, 0.004; nothing judged breaches it.
    assert first == {"breach_rate": 0.0, "budget_use_mean": pytest.approx((0.25 + 0.625) / 2)}
    # k = 2: 0.003, still no breach; k = 3: 0.002, the 0.0025 month breaches.
    assert second["breach_rate"] == 0.0
    assert third == {"breach_rate": 0.5, "budget_use_mean": pytest.approx((0.5 + 1.25) / 2)}
