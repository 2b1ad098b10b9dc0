"""Journeys over the in-memory fakes: versions and their audit events, the steps' checks,
the composite independent and correlated, and the tiers. No server.

    web -> cart -> db        observed 91 days (failures per 1,000): web 9, cart 4,
    web -> pay  -> db        pay 5, db 2; pay ~> fraud is soft; search calls db
           pay  ~> fraud     zones: cart and db in a, web and pay in b
"""

from __future__ import annotations

import asyncio

import pytest

from slo_engine.application.availability_forecasts import ForecastPriors
from slo_engine.application.fleet_availability import FleetAvailability
from slo_engine.application.impact_analysis import AnalyseImpact
from slo_engine.application.journey_composite import (
    FailureDomainSettings,
    JourneyComposites,
)
from slo_engine.application.journey_recommendations import RecommendJourneySlos
from slo_engine.application.journeys import JourneyDefinition, Journeys
from slo_engine.application.recommend_slos import RecommendSlos
from slo_engine.domain.errors import (
    InvalidInput,
    JourneyConflict,
    JourneyNotFound,
    ServiceNotFound,
)
from slo_engine.domain.model import ServiceRecord
from slo_engine.domain.sli_statistics import floor_target
from slo_engine.policy.loader import load_policy
from tests.fakes import InMemoryForecastPriors
from tests.fakes_journeys import InMemoryJourneys
from tests.fakes_telemetry import InMemoryTelemetry
from tests.fakes_world import FakeWorld, steady_series

FAILURES = {"web": 9, "cart": 4, "pay": 5, "db": 2, "fraud": 50, "search": 1}
ZONES = {"cart": "a", "db": "a", "web": "b", "pay": "b"}
OBSERVED = {s: 1 - f / 1000 for s, f in FAILURES.items()}
OWN_DB = OBSERVED["db"]
OWN_CART, OWN_PAY = OBSERVED["cart"] / OWN_DB, OBSERVED["pay"] / OWN_DB
OWN_WEB = OBSERVED["web"] / (OWN_CART * OWN_PAY * OWN_DB)
CHECKOUT = JourneyDefinition("checkout", ["web", "cart", "pay"], 0.98)


class JourneyWorld:
    def __init__(self, outage: bool = False) -> None:
        self.world = FakeWorld()
        self.world.add_services(*[ServiceRecord(s, metadata={"zone": ZONES[s]} if s in ZONES
                                                else {}) for s in FAILURES])
        for source, target in (("web", "cart"), ("web", "pay"), ("cart", "db"),
                               ("pay", "db"), ("search", "db")):
            self.world.depend(source, target)
        self.world.depend("pay", "fraud", criticality="soft")
        self.telemetry = InMemoryTelemetry(
            {s: steady_series(1000, f, 91) for s, f in FAILURES.items()},
            outage_retry_after_s=5.0 if outage else None)
        self.store = InMemoryJourneys(self.world.graph)
        self.journeys = Journeys(self.store, self.world.ledger, self.world.snapshots,
                                 self.world.clock, max_steps=5)
        impact = AnalyseImpact(self.world.store, self.world.snapshots, self.world.ledger,
                               FleetAvailability(self.telemetry, self.world.clock),
                               self.world.clock)
        self.composites = JourneyComposites(
            self.journeys, self.store, self.world.snapshots, impact,
            FailureDomainSettings(("zone",), 0.5, 20_000))
        recommend = RecommendSlos(self.world.store, self.world.snapshots, self.telemetry,
                                  self.world.clock, load_policy(),
                                  ForecastPriors(InMemoryForecastPriors()))
        self.recommendations = RecommendJourneySlos(self.composites, recommend, 3.0, 30)

    def head(self) -> int:
        return self.world.ledger.audit_head()[0]


def test_a_new_journey_is_version_one_with_its_audit_event_on_the_chain() -> None:
    setup = JourneyWorld()
    created = setup.journeys.create(CHECKOUT, "alice")
    assert setup.journeys.get(created["journey_id"]) == {**created}
    assert (created["version"], created["steps"], created["entry_service_id"]) == (
        1, ["web", "cart", "pay"], "web")
    [event] = setup.world.ledger.audit_events(0, 10)
    assert (event.content["action"], event.content["journey_id"],
            event.content["service_id"], event.content["actor"]) == (
        "journey_created", created["journey_id"], "web", "alice")


def test_a_revision_supersedes_and_a_stale_one_conflicts_without_writing() -> None:
    setup = JourneyWorld()
    journey_id = setup.journeys.create(CHECKOUT, "alice")["journey_id"]
    revised = setup.journeys.revise(journey_id, JourneyDefinition("checkout", ["web", "pay"]),
                                    "bob", 1)
    assert [v["version"] for v in setup.journeys.versions(journey_id)] == [2, 1]
    assert revised["steps"] == ["web", "pay"]
    with pytest.raises(JourneyConflict) as conflict:
        setup.journeys.revise(journey_id, CHECKOUT, "carol", 1)
    assert conflict.value.current_version == 2
    assert setup.head() == 2
    assert setup.world.ledger.audit_events(1, 1)[0].content["action"] == "journey_revised"


@pytest.mark.parametrize(("steps", "pointer"), [
    (["web", "cart", "web"], "/steps/2"),  # named twice
    (["web", "search"], "/steps/1"),  # web does not reach search
    (["web", "cart", "pay", "db", "fraud", "search"], "/steps"),  # over the 5-step limit
])
def test_steps_that_repeat_do_not_connect_or_are_too_many_are_refused(
        steps: list[str], pointer: str) -> None:
    setup = JourneyWorld()
    with pytest.raises(InvalidInput) as refused:
        setup.journeys.create(JourneyDefinition("bad", steps), "alice")
    assert refused.value.problems[0]["pointer"] == pointer
    assert setup.head() == 0
    assert setup.journeys.current() == []


def test_an_unknown_step_or_journey_is_not_found() -> None:
    setup = JourneyWorld()
    with pytest.raises(ServiceNotFound):
        setup.journeys.create(JourneyDefinition("bad", ["web", "ghost"]), "alice")
    with pytest.raises(JourneyNotFound):
        setup.journeys.get("no-such-journey")


def test_the_independent_composite_counts_the_shared_database_once() -> None:
    setup = JourneyWorld()
    journey_id = setup.journeys.create(CHECKOUT, "alice")["journey_id"]
    result = asyncio.run(setup.composites.composite(journey_id, correlation=0.0))
    # web's closure holds every step: its observed availability is the journey's.
    assert result.independent.availability_ratio == pytest.approx(OBSERVED["web"], abs=1e-12)
    assert result.correlated.availability_ratio == pytest.approx(OBSERVED["web"], abs=1e-12)
    assert result.sources == {"observed": 4}
    assert [(e.source, e.target) for e in result.independent.excluded] == [("pay", "fraud")]


def test_at_correlation_one_each_zone_fails_as_its_least_available_service() -> None:
    setup = JourneyWorld()
    journey_id = setup.journeys.create(CHECKOUT, "alice")["journey_id"]
    result = asyncio.run(setup.composites.composite(journey_id, correlation=1.0, seed=4))
    shared_domain_product = min(OWN_CART, OWN_DB) * min(OWN_WEB, OWN_PAY)
    assert abs(result.correlated.availability_ratio - shared_domain_product) \
        <= 3 * result.correlated.standard_error_ratio
    assert result.correlated.shared_domains == {"zone=a": ("cart", "db"),
                                                "zone=b": ("pay", "web")}


def test_tiers_come_from_the_composite_and_the_entry_services_forecast() -> None:
    setup = JourneyWorld()
    journey_id = setup.journeys.create(CHECKOUT, "alice")["journey_id"]
    result = asyncio.run(setup.recommendations.recommend(journey_id, correlation=0.0))
    composite = result.composite.independent.availability_ratio
    assert result.composite_tiers["balanced"].target_ratio == floor_target(composite)
    assert result.composite_tiers["conservative"].target_ratio == floor_target(
        1 - 2 * (1 - composite))
    assert result.composite_tiers["aggressive"].target_ratio == floor_target(
        1 - (1 - composite) / 2)
    assert result.observed is not None
    assert result.observed.observed_ratio == pytest.approx(OBSERVED["web"], abs=1e-12)
    balanced = result.observed.tiers["balanced"].target_ratio
    assert balanced <= floor_target(composite) or result.observed.composite_contradicted
    assert [s.service_id for s in result.steps] == ["web", "cart", "pay"]
    assert sum(s.unavailability_ratio for s in result.steps) == pytest.approx(
        1 - composite, abs=1e-12)
    assert result.steps[0].budget_share == pytest.approx(
        result.steps[0].unavailability_ratio / (1 - balanced), abs=1e-12)
    assert not result.stale


def test_with_the_metrics_store_down_the_tiers_come_from_the_composite_flagged_stale(
        ) -> None:
    setup = JourneyWorld(outage=True)
    journey_id = setup.journeys.create(CHECKOUT, "alice")["journey_id"]
    result = asyncio.run(setup.recommendations.recommend(journey_id))
    assert result.stale
    assert result.observed is None
    assert result.composite_tiers["balanced"].target_ratio == floor_target(
        result.composite.correlated.availability_ratio)
