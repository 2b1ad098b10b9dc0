"""The oracle frontier of `slo-engine bench frontier`, on hand-made monthly errors."""

from __future__ import annotations

import numpy as np
import pytest

from slo_engine.bench.calibration_scores import oracle_frontier
from slo_engine.bench.frontier import monthly_error_ratios


def test_monthly_error_ratios_pool_each_months_counts() -> None:
    requests = np.array([[100.0, 300.0, 200.0, 200.0]])
    failures = np.array([[1.0, 3.0, 0.0, 8.0]])
    assert monthly_error_ratios(requests, failures, 2).tolist() == [[0.01, 0.02]]


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
