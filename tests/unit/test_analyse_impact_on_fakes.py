"""AnalyseImpact over the in-memory fakes: which availability each service counts at
(its active SLO, else its observed 30 days, else an external's published SLA less the
pessimism, else unknown), and who upstream is put at risk. No server; milliseconds each.

    web -> checkout -> payment          web: SLO 99.5% (observed 99.7%, not used)
                    -> stripe           checkout: observed 99.6%, no SLO
    reports ~> payment (soft)           payment: SLO 99.9% (observed 99%, not used)
                                        stripe: external, SLA 99.95%, no telemetry
                                        reports: nothing known
"""

from __future__ import annotations

import asyncio

import pytest

from slo_engine.application.decide_slo import SloDecision
from slo_engine.application.fleet_availability import FleetAvailability
from slo_engine.application.impact_analysis import AnalyseImpact, ImpactAnalysis
from slo_engine.domain.errors import InvalidInput, ServiceNotFound
from slo_engine.domain.model import ServiceRecord, ServiceType
from tests.fakes_telemetry import InMemoryTelemetry
from tests.fakes_world import FakeWorld, availability_targets, steady_series

PAYMENT, STRIPE = 0.999, 0.9995 - 0.001  # stripe: published SLA less the pessimism


class Impact:
    def __init__(self) -> None:
        self.world = FakeWorld()
        self.world.add_services(
            ServiceRecord("web"), ServiceRecord("checkout"), ServiceRecord("payment"),
            ServiceRecord("stripe", service_type=ServiceType.EXTERNAL,
                          metadata={"published_sla": 0.9995}),
            ServiceRecord("reports"))
        for source, target in (("web", "checkout"), ("checkout", "payment"),
                               ("checkout", "stripe")):
            self.world.depend(source, target)
        self.world.depend("reports", "payment", criticality="soft")
        self.accept_slo("payment", PAYMENT)
        self.accept_slo("web", 0.995)
        self.telemetry = InMemoryTelemetry({
            "web": steady_series(1000, 3, 31), "checkout": steady_series(1000, 4, 31),
            "payment": steady_series(1000, 10, 31)})
        self.analyse = AnalyseImpact(self.world.store, self.world.snapshots, self.world.ledger,
                                     FleetAvailability(self.telemetry, self.world.clock),
                                     self.world.clock, external_pessimism_ratio=0.001)

    def accept_slo(self, service_id: str, balanced: float) -> None:
        recommendation = self.world.recommendation(
            service_id, availability_targets(balanced - 0.001, balanced, balanced + 0.0005))
        self.world.decisions().decide(service_id, SloDecision(recommendation, "accept",
                                                              "alice"))

    def run(self, service_id: str, proposed: float, current: float | None = None
            ) -> ImpactAnalysis:
        return asyncio.run(self.analyse.analyse(service_id, proposed, current))


def test_each_service_counts_at_its_slo_else_observed_else_published_sla_else_unknown(
        ) -> None:
    analysis = Impact().run("payment", 0.99)
    assert analysis.availability_sources == {"active_slo": 2, "observed": 1,
                                             "published_sla": 1, "unknown": 1}
    assert (analysis.current_ratio, analysis.current_source) == (PAYMENT, "active_slo")
    assert (analysis.stale, analysis.stale_reason, analysis.cycle) == (False, None, None)


def test_a_lower_payment_target_puts_web_at_risk_through_checkout() -> None:
    analysis = Impact().run("payment", 0.99)
    factor = 0.99 / PAYMENT
    rows = [(i.service_id, i.depth, i.affects_composite, i.current_composite_ratio,
             i.projected_composite_ratio, i.slo_target_ratio, i.slo_at_risk, i.method)
            for i in analysis.impacted]
    assert rows == [
        ("checkout", 1, True, pytest.approx(PAYMENT * STRIPE, rel=1e-12),
         pytest.approx(PAYMENT * STRIPE * factor, rel=1e-12), None, None, "serial"),
        ("web", 2, True, pytest.approx(0.996, rel=1e-12),
         pytest.approx(0.996 * factor, rel=1e-12), 0.995, True, "serial"),
        ("reports", 1, False, 1.0, 1.0, None, None, "serial"),  # soft: not in its composite
    ]
    assert {i.service_id for i in analysis.impacted if i.slo_at_risk} == {"web"}


def test_a_small_enough_change_puts_no_one_at_risk() -> None:
    analysis = Impact().run("payment", 0.9985)
    web = next(i for i in analysis.impacted if i.service_id == "web")
    assert web.projected_composite_ratio == pytest.approx(0.996 * 0.9985 / PAYMENT, rel=1e-12)
    assert [i.service_id for i in analysis.impacted if i.slo_at_risk] == []


def test_an_observed_service_changes_from_its_observed_ratio() -> None:
    analysis = Impact().run("checkout", 0.99)
    assert analysis.current_source == "observed"
    assert analysis.current_ratio == pytest.approx(0.996, rel=1e-12)
    (web,) = analysis.impacted
    assert web.projected_composite_ratio == pytest.approx(0.99, rel=1e-12)
    assert web.slo_at_risk is True


def test_an_external_changes_from_its_published_sla_less_the_pessimism() -> None:
    analysis = Impact().run("stripe", 0.99)
    assert analysis.current_source == "published_sla"
    assert analysis.current_ratio == pytest.approx(STRIPE, rel=1e-12)
    assert [i.service_id for i in analysis.impacted] == ["checkout", "web"]


def test_a_current_target_given_by_the_caller_is_used_as_given() -> None:
    analysis = Impact().run("payment", 0.99, current=0.9999)
    assert (analysis.current_ratio, analysis.current_source) == (0.9999, "request")
    web = next(i for i in analysis.impacted if i.service_id == "web")
    assert web.projected_composite_ratio == pytest.approx(0.996 * 0.99 / 0.9999, rel=1e-12)


def test_with_the_metrics_store_down_observed_services_are_unknown_and_it_says_so() -> None:
    impact = Impact()
    impact.telemetry.outage_retry_after_s = 30.0
    analysis = impact.run("payment", 0.99)
    assert (analysis.stale, analysis.stale_reason) == (
        True, "metrics store (in memory) is unavailable: the test's outage")
    assert analysis.availability_sources == {"active_slo": 2, "published_sla": 1,
                                             "unknown": 2}
    web = next(i for i in analysis.impacted if i.service_id == "web")
    # checkout counts as perfect: web's composite is payment's and stripe's
    assert web.current_composite_ratio == pytest.approx(PAYMENT * STRIPE, rel=1e-12)


def test_a_redundancy_group_is_computed_exactly() -> None:
    world = FakeWorld()
    world.add_services(ServiceRecord("front"), ServiceRecord("a"), ServiceRecord("b"))
    world.depend("front", "a", group="storage")
    world.depend("front", "b", group="storage")
    telemetry = InMemoryTelemetry({"a": steady_series(1000, 10, 31),
                                   "b": steady_series(1000, 20, 31)})
    analyse = AnalyseImpact(world.store, world.snapshots, world.ledger,
                            FleetAvailability(telemetry, world.clock), world.clock)
    (front,) = asyncio.run(analyse.analyse("a", 0.9)).impacted
    assert (front.service_id, front.method) == ("front", "exact")
    assert front.current_composite_ratio == pytest.approx(1 - 0.01 * 0.02, rel=1e-12)
    assert front.projected_composite_ratio == pytest.approx(1 - 0.1 * 0.02, rel=1e-12)


def test_an_unknown_service_or_a_current_target_of_zero_is_refused() -> None:
    impact = Impact()
    with pytest.raises(ServiceNotFound):
        impact.run("nobody", 0.99)
    with pytest.raises(InvalidInput, match="above 0%"):
        impact.run("payment", 0.99, current=0.0)
