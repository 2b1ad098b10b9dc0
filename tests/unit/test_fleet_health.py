from __future__ import annotations

import pytest

from slo_engine.domain.fleet_health import budget_bucket, budget_consumed_ratio, decision_rates


def test_budget_consumed_is_errors_over_allowed_errors() -> None:
    assert budget_consumed_ratio(0.9995, 0.999) == pytest.approx(0.5)
    assert budget_consumed_ratio(0.998, 0.999) == pytest.approx(2.0)
    assert budget_consumed_ratio(1.0, 0.999) == 0.0


@pytest.mark.parametrize(("consumed", "bucket"), [
    (0.0, "under_25_percent"), (0.25, "25_to_50_percent"), (0.6, "50_to_75_percent"),
    (0.99, "75_to_100_percent"), (1.0, "exhausted"), (7.5, "exhausted")])
def test_consumption_falls_in_quarter_buckets(consumed: float, bucket: str) -> None:
    assert budget_bucket(consumed) == bucket


def test_auto_approvals_count_as_acceptances_and_other_events_not_at_all() -> None:
    rates = decision_rates([("accept", 2), ("auto_approve", 1), ("modify", 1),
                            ("reject", 4), ("drift_triggered", 9)])
    assert rates == {"decisions": 8, "accepted_rate": 0.375, "modified_rate": 0.125,
                     "rejected_rate": 0.5}
    assert decision_rates([])["decisions"] == 0
