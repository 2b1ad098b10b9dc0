"""What-if dependency changes over the in-memory fakes: the projected bound through the
recommendations' composite, this service's projected availability, upstream SLOs put at
risk through impact analysis, and the answer in words. No server.

    web -> checkout -> payment        observed 30 days: web 99.4% (SLO 99%),
                    -> inventory      checkout 99.5%, payment 99.7%, inventory 99.9%,
    backup (a payment look-alike)     backup 99.8%; reports ~> checkout (soft)
"""

from __future__ import annotations

import asyncio

import pytest

from slo_engine.application.availability_forecasts import ForecastPriors
from slo_engine.application.decide_slo import SloDecision
from slo_engine.application.fleet_availability import FleetAvailability
from slo_engine.application.impact_analysis import AnalyseImpact
from slo_engine.application.recommend_slos import RecommendSlos
from slo_engine.application.what_if import DependencyWhatIf, WhatIfDependencies
from slo_engine.domain.dependency_changes import DependencyChange
from slo_engine.domain.errors import InvalidInput, ServiceNotFound
from slo_engine.domain.model import ServiceRecord
from slo_engine.policy.loader import load_policy
from tests.fakes import InMemoryForecastPriors
from tests.fakes_telemetry import InMemoryTelemetry
from tests.fakes_world import FakeWorld, availability_targets, steady_series

FAILURES = {"web": 6, "checkout": 5, "payment": 3, "inventory": 1, "backup": 2}
BOUND = 0.997 * 0.999
CHECKOUT_OWN = 0.995 / BOUND


class WhatIfWorld:
    def __init__(self) -> None:
        self.world = FakeWorld()
        self.world.add_services(*[ServiceRecord(s) for s in [*FAILURES, "reports"]])
        for source, target in (("web", "checkout"), ("checkout", "payment"),
                               ("checkout", "inventory")):
            self.world.depend(source, target)
        self.world.depend("reports", "checkout", criticality="soft")
        recommendation = self.world.recommendation(
            "web", availability_targets(0.989, 0.99, 0.9905))
        self.world.decisions().decide("web", SloDecision(recommendation, "accept", "alice"))
        self.telemetry = InMemoryTelemetry(
            {s: steady_series(1000, f, 31) for s, f in FAILURES.items()})
        impact = AnalyseImpact(self.world.store, self.world.snapshots, self.world.ledger,
                               FleetAvailability(self.telemetry, self.world.clock),
                               self.world.clock)
        self.what_if = WhatIfDependencies(self.world.store, self.world.ledger,
                                          self.world.snapshots, impact)

    def answer(self, *changes: DependencyChange, service_id: str = "checkout"
               ) -> DependencyWhatIf:
        return asyncio.run(self.what_if.answer(service_id, list(changes)))


def availability(service_id: str, ratio: float) -> DependencyChange:
    return DependencyChange("availability", service_id, "checkout", availability_ratio=ratio)


def test_a_new_fallback_for_payment_raises_the_bound_and_says_so() -> None:
    answer = WhatIfWorld().answer(DependencyChange("fallback", "payment", "checkout",
                                                   availability_ratio=0.999))
    assert answer.current_bound.availability_ratio == pytest.approx(BOUND, abs=1e-12)
    projected = (1 - 0.003 * 0.001) * 0.999
    assert answer.projected_bound.availability_ratio == pytest.approx(projected, abs=1e-12)
    assert answer.current_availability_ratio == pytest.approx(0.995, abs=1e-12)
    assert answer.projected_availability_ratio == pytest.approx(CHECKOUT_OWN * projected,
                                                                abs=1e-12)
    assert answer.summary == ("Adding a fallback for payment (one at 99.90%) raises the "
                              "bound from 99.60% to 99.90%; the balanced target can then "
                              "be up to 99.8%.")
    assert answer.upstream_at_risk == []
    assert answer.upstream_affected == 1  # web


def test_an_existing_service_as_the_fallback_counts_at_its_own_availability() -> None:
    answer = WhatIfWorld().answer(DependencyChange("fallback", "payment", "checkout",
                                                   fallback="backup"))
    assert answer.projected_bound.availability_ratio == pytest.approx(
        (1 - 0.003 * 0.002) * 0.999, abs=1e-12)


def test_payment_at_99_percent_puts_webs_slo_at_risk_through_checkout() -> None:
    answer = WhatIfWorld().answer(availability("payment", 0.99))
    assert answer.projected_bound.availability_ratio == pytest.approx(0.99 * 0.999, abs=1e-12)
    (web,) = answer.upstream_at_risk
    assert (web.service_id, web.slo_target_ratio) == ("web", 0.99)
    assert web.current_composite_ratio == pytest.approx(0.995, abs=1e-12)
    assert web.projected_composite_ratio == pytest.approx(CHECKOUT_OWN * 0.99 * 0.999,
                                                          abs=1e-12)
    assert answer.summary == ("Payment at 99.00% lowers the bound from 99.60% to 98.90%; "
                              "the balanced target can then be up to 98%; upstream SLOs then at "
                              "risk: web.")


@pytest.mark.parametrize(("change", "bound"), [
    (DependencyChange("mode", "payment", "checkout", communication_mode="async"), 0.999),
    (DependencyChange("mode", "inventory", "checkout", criticality="soft"), 0.997),
    (DependencyChange("remove", "payment", "checkout"), 0.999),
])
def test_an_edge_made_async_soft_or_removed_leaves_the_composite(
        change: DependencyChange, bound: float) -> None:
    answer = WhatIfWorld().answer(change)
    assert answer.projected_bound.availability_ratio == pytest.approx(bound, abs=1e-12)


def test_a_perfect_dependency_equals_the_recommendations_counterfactuals() -> None:
    """Issue 19 item 5: the what-if and the recommendation's bound agree, at 100% and at
    the record's "one nine better" (recommendation_record.py)."""
    setup = WhatIfWorld()
    recommend = RecommendSlos(setup.world.store, setup.world.snapshots, setup.telemetry,
                              setup.world.clock, load_policy(),
                              ForecastPriors(InMemoryForecastPriors()))
    bound = asyncio.run(recommend.recommend("checkout", "all", 30, None)).bound
    assert bound is not None
    assert bound.bottleneck is not None
    assert bound.bottleneck.service_id == "payment"
    one_nine_better = 1 - (1 - bound.bottleneck.availability_ratio) / 10
    for ratio in (1.0, one_nine_better):
        answer = setup.answer(availability("payment", ratio))
        assert answer.current_bound.availability_ratio == pytest.approx(
            bound.composite.availability_ratio, abs=1e-12)
        assert answer.projected_bound.availability_ratio == pytest.approx(
            bound.if_improved("payment", ratio), abs=1e-12)


@pytest.mark.parametrize(("changes", "pointer"), [
    ([availability("nowhere", 0.99)], "/what_if/dependencies/0/service_id"),
    ([availability("reports", 0.99)], "/what_if/dependencies/0/service_id"),
    ([DependencyChange("remove", "payment", "checkout"),
      DependencyChange("mode", "payment", "checkout", communication_mode="async")],
     "/what_if/dependencies/1/service_id"),
    ([DependencyChange("remove", "payment", "ghost")], "/what_if/dependencies/0/caller"),
    ([DependencyChange("fallback", "payment", "checkout")],
     "/what_if/dependencies/0/availability"),
    ([DependencyChange("fallback", "payment", "checkout", fallback="payment")],
     "/what_if/dependencies/0/fallback_service_id"),
])
def test_a_change_the_graph_cannot_take_names_the_field(
        changes: list[DependencyChange], pointer: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        WhatIfWorld().answer(*changes)
    assert [p["pointer"] for p in raised.value.problems] == [pointer]


def test_an_unknown_service_is_not_found() -> None:
    with pytest.raises(ServiceNotFound):
        WhatIfWorld().answer(availability("payment", 0.99), service_id="nowhere")


def test_a_stored_balanced_target_under_both_bounds_is_said_to_come_from_history() -> None:
    setup = WhatIfWorld()
    setup.world.recommendation("checkout", availability_targets(0.985, 0.99, 0.995))
    answer = setup.answer(DependencyChange("fallback", "payment", "checkout",
                                           availability_ratio=0.999))
    assert answer.stored_balanced_ratio == 0.99
    assert answer.summary.endswith(
        "the balanced target can then be up to 99.8% (the stored recommendation's 99% is "
        "under the bound before and after: the service's own history sets it).")
