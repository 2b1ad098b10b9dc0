"""The availability summary sentence says where the balanced target's budget comes from."""

from __future__ import annotations

import numpy as np

from slo_engine.api.recommendation_document import _availability_summary
from slo_engine.domain.recommendation import AvailabilityTierRule, recommend_availability

RULE = AvailabilityTierRule(1.5, {"conservative": 60, "balanced": 35, "aggressive": 5}, 7)
STEPS = 14 * 288


def test_the_summary_spells_out_the_budget_from_history_and_the_allowance() -> None:
    total = np.full(STEPS, 1000.0)
    failed = np.full(STEPS, 0.1)  # 0.01%: 4.38 minutes a month
    text = _availability_summary("orders", recommend_availability(total, failed, 300, RULE,
                                                                  None))
    assert text == ("orders achieved 99.990% availability over the lookback: its errors cost "
                    "the equivalent of 4.4 minutes of full outage a month. The balanced target "
                    "of 99.90% budgets 43.8 minutes a month: 1.5 x those minutes plus 35 for "
                    "an incident the lookback did not hold (41.6), rounded to a 0.01% target.")


def test_a_capped_target_names_the_bound_and_what_history_alone_gives() -> None:
    total = np.full(STEPS, 1000.0)
    failed = np.full(STEPS, 0.1)
    failed[3 * 288:4 * 288] = 200.0  # one bad day: the bound is within history's noise
    text = _availability_summary("orders", recommend_availability(total, failed, 300, RULE,
                                                                  0.97))
    assert "The balanced target of 97.00% is capped by what its hard dependencies allow" in text
    assert text.endswith("the lookback did not hold) it would be 97.76%.")
