"""DecideSlo over the in-memory ledger (compare-and-set as in the database): accept,
modify and reject, their versions, statuses and audit chain, and decisions that lose a
race. No server; milliseconds each."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from slo_engine.application.audit_events import append_engine_event
from slo_engine.application.decide_slo import MAX_ATTEMPTS, DecideSlo, SloDecision
from slo_engine.application.verify_audit import verify_audit_chain
from slo_engine.domain.audit_chain import ChainedEvent, ChainVerification, canonical_json
from slo_engine.domain.errors import InvalidInput, SloConflict
from slo_engine.domain.model import ServiceRecord
from slo_engine.domain.slo import RecommendedTargets, SloTargets
from tests.fakes_graph_state import InMemoryGraph
from tests.fakes_ledger import InMemorySloLedger
from tests.fakes_world import FakeWorld

TARGETS = RecommendedTargets({"conservative": 0.99, "balanced": 0.995, "aggressive": 0.999},
                             {"balanced": ("p99", 0.3)}, (0.1, 0.25, 0.5))


def world_with_checkout() -> FakeWorld:
    world = FakeWorld()
    world.add_services(ServiceRecord("checkout"), ServiceRecord("cart"))
    return world


def actions(world: FakeWorld) -> list[tuple[int, Any, Any]]:
    return [(e.sequence, e.content["action"], e.content["service_id"])
            for e in world.ledger.audit_events(0, 100)]


def verified(world: FakeWorld) -> ChainVerification:
    return verify_audit_chain(world.ledger, page_size=2)  # pages of two: paging is checked


def test_accepting_a_tier_makes_version_one_and_chains_its_audit_event() -> None:
    world = world_with_checkout()
    recommendation = world.recommendation("checkout", TARGETS)
    outcome = world.decisions().decide("checkout", SloDecision(recommendation, "accept",
                                                               "alice"))
    assert outcome.slo is not None
    assert (outcome.action, outcome.changes, outcome.audit_sequence) == ("accept", [], 1)
    active = world.ledger.active_slo("checkout")
    assert active is not None
    assert {k: active[k] for k in ("slo_id", "version", "availability_target_ratio",
                                   "latency_targets_seconds", "latency_bucket_bounds_seconds",
                                   "source", "selected_tier", "period_days",
                                   "activated_by", "recommendation_id")} == {
        "slo_id": outcome.slo["slo_id"], "version": 1, "availability_target_ratio": 0.995,
        "latency_targets_seconds": {"p99": 0.3},
        "latency_bucket_bounds_seconds": [0.1, 0.25, 0.5],
        "source": "recommendation_accepted", "selected_tier": "balanced", "period_days": 30,
        "activated_by": "alice", "recommendation_id": recommendation}
    assert world.status_of(recommendation) == "accepted"
    (event,) = world.ledger.audit_events(0, 10)
    assert {k: event.content.get(k) for k in ("action", "service_id", "actor",
                                              "recommendation_id", "selected_tier",
                                              "previous_slo", "new_slo")} == {
        "action": "accept", "service_id": "checkout", "actor": "alice",
        "recommendation_id": recommendation, "selected_tier": "balanced",
        "previous_slo": None, "new_slo": canonical_json(outcome.slo)}
    assert verified(world) == ChainVerification(True, 1)
    assert world.cache.generation("checkout") == 1  # cached recommendations dropped


def test_modifying_supersedes_the_active_version_and_records_what_changed() -> None:
    world = world_with_checkout()
    decide = world.decisions()
    first = decide.decide("checkout", SloDecision(world.recommendation("checkout", TARGETS),
                                                  "accept", "alice"))
    recommendation = world.recommendation("checkout", TARGETS)
    outcome = decide.decide("checkout", SloDecision(
        recommendation, "modify", "bob", "aggressive", SloTargets(0.9975),
        rationale="payment's new SLA", expected_version=1))
    assert outcome.slo is not None
    assert first.slo is not None
    assert [(c.target, c.recommended, c.chosen) for c in outcome.changes] == [
        ("availability", 0.999, 0.9975)]
    versions = world.ledger.slo_versions("checkout")
    assert [(v["version"], v["availability_target_ratio"], v["source"]) for v in versions] == [
        (2, 0.9975, "recommendation_modified"), (1, 0.995, "recommendation_accepted")]
    # the aggressive tier proposes no latency target: the active one's is kept
    assert versions[0]["latency_targets_seconds"] == {"p99": 0.3}
    assert versions[0]["modification_delta"] == [{"target": "availability",
                                                  "recommended": 0.999, "chosen": 0.9975,
                                                  "delta": pytest.approx(-0.0015)}]
    node = world.graph.active_slos["checkout"]
    assert node.supersedes is not None
    assert node.supersedes.properties["slo_id"] == first.slo["slo_id"]
    assert world.status_of(recommendation) == "modified"
    second = world.ledger.audit_events(1, 10)[0]
    # the version as it was read back before the decision (stores keep no nulls)
    assert (second.sequence, second.content["action"], second.content["previous_slo"]) == (
        2, "modify", canonical_json(versions[1]))
    assert verified(world) == ChainVerification(True, 2)


def test_a_rejection_needs_its_rationale_and_leaves_the_active_slo() -> None:
    world = world_with_checkout()
    decide = world.decisions()
    decide.decide("checkout", SloDecision(world.recommendation("checkout", TARGETS), "accept",
                                          "alice"))
    recommendation = world.recommendation("checkout", TARGETS)
    with pytest.raises(InvalidInput, match="rationale"):
        decide.decide("checkout", SloDecision(recommendation, "reject", "bob", rationale=" "))
    assert (world.status_of(recommendation), len(actions(world))) == ("active", 1)
    outcome = decide.decide("checkout", SloDecision(recommendation, "reject", "bob",
                                                    rationale="too strict"))
    assert (outcome.slo, outcome.audit_sequence) == (None, 2)
    assert world.status_of(recommendation) == "rejected"
    assert [v["version"] for v in world.ledger.slo_versions("checkout")] == [1]
    event = world.ledger.audit_events(1, 10)[0]
    assert (event.content["action"], event.content.get("selected_tier"),
            event.content["rationale"], event.content.get("new_slo")) == (
        "reject", None, "too strict", None)
    assert verified(world) == ChainVerification(True, 2)


def test_a_recommendation_decided_already_conflicts() -> None:
    world = world_with_checkout()
    decide = world.decisions()
    recommendation = world.recommendation("checkout", TARGETS)
    decide.decide("checkout", SloDecision(recommendation, "accept", "alice"))
    with pytest.raises(SloConflict, match="is already accepted") as raised:
        decide.decide("checkout", SloDecision(recommendation, "accept", "bob"))
    assert raised.value.current_slo is not None
    assert raised.value.current_slo["version"] == 1


def test_an_expected_version_that_is_not_current_conflicts_and_writes_nothing() -> None:
    world = world_with_checkout()
    decide = world.decisions()
    decide.decide("checkout", SloDecision(world.recommendation("checkout", TARGETS), "accept",
                                          "alice"))
    recommendation = world.recommendation("checkout", TARGETS)
    stale = SloDecision(recommendation, "accept", "bob", expected_version=0)
    with pytest.raises(SloConflict) as raised:
        decide.decide("checkout", stale)
    assert str(raised.value) == "The SLO of checkout is no longer version 0."
    assert raised.value.current_slo is not None
    assert raised.value.current_slo["version"] == 1
    assert (world.status_of(recommendation), len(actions(world))) == ("active", 1)
    current = SloDecision(recommendation, "accept", "bob", expected_version=1)
    outcome = decide.decide("checkout", current)
    assert outcome.slo is not None
    assert outcome.slo["version"] == 2


def test_an_expired_recommendation_conflicts() -> None:
    world = world_with_checkout()
    recommendation = world.recommendation("checkout", TARGETS, expires_in_ms=10)
    world.clock.now += 11
    with pytest.raises(SloConflict, match="has expired; regenerate it"):
        world.decisions().decide("checkout", SloDecision(recommendation, "accept", "alice"))
    assert world.ledger.active_slo("checkout") is None


class RacingLedger(InMemorySloLedger):
    """Before each of the next `races` decision writes, another writer lands first: the
    chain head (and maybe more) is no longer what the decision read."""

    def __init__(self, graph: InMemoryGraph, interloper: Callable[[], None], races: int
                 ) -> None:
        super().__init__(graph)
        self._interloper = interloper
        self.races = races
        self.writes = 0

    def _race(self) -> None:
        self.writes += 1
        if self.races:
            self.races -= 1
            self._interloper()

    def record_slo_version(self, service_id: str, expected_slo_id: str | None,
                           recommendation_id: str | None, recommendation_status: str,
                           slo: Mapping[str, Any], event: ChainedEvent, now_ms: int) -> bool:
        self._race()
        return super().record_slo_version(service_id, expected_slo_id, recommendation_id,
                                          recommendation_status, slo, event, now_ms)

    def record_rejection(self, service_id: str, recommendation_id: str, event: ChainedEvent,
                         now_ms: int) -> bool:
        self._race()
        return super().record_rejection(service_id, recommendation_id, event, now_ms)


def drift_elsewhere(world: FakeWorld) -> Callable[[], None]:
    """An engine event about cart appended by another worker."""

    def append() -> None:
        append_engine_event(world.ledger, "cart", "drift_triggered",
                            {"rationale": "drift in p99 latency"}, world.clock.now_ms())

    return append


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_a_decision_that_lost_the_chain_head_to_another_writer_is_hashed_again(
        action: str) -> None:
    world = world_with_checkout()
    recommendation = world.recommendation("checkout", TARGETS)
    ledger = RacingLedger(world.graph, drift_elsewhere(world), races=1)
    decision = SloDecision(recommendation, "accept" if action == "accept" else "reject",
                           "alice", rationale="too strict" if action == "reject" else None)
    outcome = DecideSlo(world.store, ledger, world.clock).decide("checkout", decision)
    assert (ledger.writes, outcome.audit_sequence) == (2, 2)
    assert actions(world) == [(1, "drift_triggered", "cart"), (2, action, "checkout")]
    assert len(world.ledger.slo_versions("checkout")) == (1 if action == "accept" else 0)
    assert verified(world) == ChainVerification(True, 2)


def test_a_decision_beaten_by_one_on_the_same_recommendation_conflicts() -> None:
    world = world_with_checkout()
    recommendation = world.recommendation("checkout", TARGETS)
    rival = world.decisions()  # another replica, deciding on the same recommendation

    def bob_accepts() -> None:
        rival.decide("checkout", SloDecision(recommendation, "accept", "bob"))

    ledger = RacingLedger(world.graph, bob_accepts, races=1)
    with pytest.raises(SloConflict, match="is already accepted") as raised:
        DecideSlo(world.store, ledger, world.clock).decide(
            "checkout", SloDecision(recommendation, "modify", "alice",
                                    modifications=SloTargets(0.99)))
    assert raised.value.current_slo is not None
    assert raised.value.current_slo["activated_by"] == "bob"
    assert [v["activated_by"] for v in world.ledger.slo_versions("checkout")] == ["bob"]
    assert actions(world) == [(1, "accept", "checkout")]
    assert verified(world) == ChainVerification(True, 1)


def test_a_chain_that_keeps_moving_gives_up_with_a_conflict_after_the_attempts() -> None:
    world = world_with_checkout()
    recommendation = world.recommendation("checkout", TARGETS)
    ledger = RacingLedger(world.graph, drift_elsewhere(world), races=MAX_ATTEMPTS)
    with pytest.raises(SloConflict, match="The audit chain kept moving"):
        DecideSlo(world.store, ledger, world.clock).decide(
            "checkout", SloDecision(recommendation, "accept", "alice"))
    assert ledger.writes == MAX_ATTEMPTS
    assert world.ledger.active_slo("checkout") is None
    assert world.status_of(recommendation) == "active"
    assert len(actions(world)) == MAX_ATTEMPTS  # only the other writer's events
    assert verified(world) == ChainVerification(True, MAX_ATTEMPTS)


def test_a_tier_whose_target_no_rule_can_express_is_refused_and_nothing_is_written() -> None:
    world = world_with_checkout()
    broken = RecommendedTargets({"conservative": 0.0, "balanced": 0.995, "aggressive": 1.0},
                                {}, ())
    recommendation = world.recommendation("checkout", broken)
    for tier, shown in (("conservative", "0.00%"), ("aggressive", "100.00%")):
        with pytest.raises(InvalidInput, match=f"target of {shown} cannot be an SLO") as error:
            world.decisions().decide("checkout", SloDecision(recommendation, "accept",
                                                             "alice", tier))
        assert error.value.problems[0]["pointer"] == "/selected_tier"
    assert world.ledger.active_slo("checkout") is None
    assert actions(world) == []
    assert world.status_of(recommendation) == "active"
