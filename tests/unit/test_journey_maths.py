"""A journey's composite over the union of its steps' hard closures (each distinct service
once), the steps' shares of its failures, and the rules for steps that connect.

    web -> cart -> db          the journey [web, cart, pay]: web and pay share db;
    web -> pay  -> db          pay -> fraud is soft (not counted)
               ~> fraud
"""

from __future__ import annotations

import math

import pytest

from slo_engine.domain.composite import Dependency, composite_availability
from slo_engine.domain.journey import (
    JOURNEY_ROOT,
    journey_edges,
    repeated_steps,
    step_failure_shares,
    unreachable_steps,
)

EDGES = [Dependency("web", "cart"), Dependency("web", "pay"), Dependency("cart", "db"),
         Dependency("pay", "db"), Dependency("pay", "fraud", criticality="soft")]
OWN = {JOURNEY_ROOT: 1.0, "web": 0.999, "cart": 0.998, "pay": 0.995, "db": 0.99,
       "fraud": 0.9}
STEPS = ["web", "cart", "pay"]
NEEDS = {"web": frozenset({"web", "cart", "pay", "db"}), "cart": frozenset({"cart", "db"}),
         "pay": frozenset({"pay", "db"})}


def test_the_journey_composite_counts_each_distinct_service_once() -> None:
    result = composite_availability(JOURNEY_ROOT, journey_edges(STEPS, EDGES), OWN)
    assert result.availability_ratio == pytest.approx(0.999 * 0.998 * 0.995 * 0.99,
                                                      abs=1e-15)
    assert set(result.counted_services) == {JOURNEY_ROOT, "web", "cart", "pay", "db"}
    assert [(e.source, e.target) for e in result.excluded] == [("pay", "fraud")]


def test_step_shares_split_a_shared_service_equally_and_sum_to_the_unavailability() -> None:
    composite = composite_availability(JOURNEY_ROOT, journey_edges(STEPS, EDGES), OWN)
    shares = step_failure_shares(STEPS, NEEDS, OWN, composite)
    log_total = -math.log(composite.availability_ratio)
    unavailability = 1 - composite.availability_ratio
    expected = {
        "web": (-math.log(0.999) + -math.log(0.998) / 2 + -math.log(0.995) / 2
                + -math.log(0.99) / 3),
        "cart": -math.log(0.998) / 2 + -math.log(0.99) / 3,
        "pay": -math.log(0.995) / 2 + -math.log(0.99) / 3}
    for step, part in expected.items():
        assert shares[step] == pytest.approx(part / log_total * unavailability, abs=1e-15)
    assert sum(shares.values()) == pytest.approx(unavailability, abs=1e-15)


def test_a_step_the_entry_does_not_reach_is_named_by_its_position() -> None:
    callees = {"web": ["cart", "pay"], "pay": ["fraud"], "search": ["db"]}
    assert unreachable_steps(["web", "fraud", "search", "pay"], callees) == [2]
    assert unreachable_steps(["web"], callees) == []


def test_a_repeated_step_is_named_by_its_second_position() -> None:
    assert repeated_steps(["web", "cart", "web", "pay", "cart"]) == [2, 4]
