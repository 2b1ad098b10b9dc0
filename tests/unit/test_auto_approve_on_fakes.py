"""AutoApprove over the in-memory fakes: a matching rule accepts its tier through the
same decision path as a person (SLO version, audit event naming the rule); anything else
decides nothing. No server; milliseconds each."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from slo_engine.application.auto_approval import AutoApprovalRules, AutoApprove
from slo_engine.application.availability_forecasts import ForecastPriors
from slo_engine.application.decide_slo import SloDecision
from slo_engine.application.recommend_slos import RecommendSlos
from slo_engine.application.recommendation_record import (
    AutoApprovalRecord,
    RecommendationRecord,
)
from slo_engine.application.serve_recommendation import ServeRecommendation
from slo_engine.application.verify_audit import verify_audit_chain
from slo_engine.domain.audit_chain import ChainVerification
from slo_engine.domain.auto_approval import AutoApprovalRule, RuleConditions
from slo_engine.domain.model import ServiceCriticality, ServiceRecord
from slo_engine.domain.slo import RecommendedTargets
from slo_engine.policy.loader import load_policy
from tests.fakes import InMemoryApprovalRules, InMemoryForecastPriors, fitted_prior_store
from tests.fakes_telemetry import InMemoryTelemetry
from tests.fakes_world import FakeWorld, availability_targets, steady_series

TARGETS = availability_targets(0.99, 0.995, 0.999)


class Approving:
    """checkout (low, shop) and cart (critical, shop), and the rules an admin made."""

    def __init__(self) -> None:
        self.world = FakeWorld()
        self.world.add_services(
            ServiceRecord("checkout", team="shop", criticality=ServiceCriticality.LOW),
            ServiceRecord("cart", team="shop", criticality=ServiceCriticality.CRITICAL))
        store = InMemoryApprovalRules()
        self.rules = AutoApprovalRules(store, self.world.clock)
        self.approve = AutoApprove(store, self.world.store, self.world.ledger,
                                   self.world.decisions())

    def rule(self, conditions: RuleConditions, enabled: bool = True, name: str = "low"
             ) -> AutoApprovalRule:
        return self.rules.create(name, conditions, enabled, "admin")

    def events(self) -> list[Mapping[str, Any]]:
        return [e.content for e in self.world.ledger.audit_events(0, 10)]


LOW_RULE = RuleConditions(criticality=("low",), confidence_min=0.9, tier="conservative")


def test_a_matching_rule_accepts_its_tier_and_the_audit_event_names_the_rule() -> None:
    approving = Approving()
    rule = approving.rule(LOW_RULE)
    recommendation = approving.world.recommendation("checkout", TARGETS)
    outcome = approving.approve.consider("checkout", recommendation, "high", 0.95, TARGETS)
    assert outcome is not None
    assert outcome.slo is not None
    actor = f"auto-approval-rule:{rule.rule_id}"
    active = approving.world.ledger.active_slo("checkout")
    assert active is not None
    assert (active["version"], active["availability_target_ratio"], active["source"],
            active["selected_tier"], active["activated_by"]) == (
        1, 0.99, "recommendation_auto_approved", "conservative", actor)
    assert approving.world.status_of(recommendation) == "accepted"
    (event,) = approving.events()
    assert (event["action"], event["actor"], event["rationale"]) == (
        "auto_approve", actor, "Matched auto-approval rule 'low'")
    assert verify_audit_chain(approving.world.ledger) == ChainVerification(True, 1)
    assert approving.world.cache.generation("checkout") == 1


@pytest.mark.parametrize(("service_id", "confidence", "completeness", "enabled"), [
    ("cart", "high", 0.95, True),  # critical, not low
    ("checkout", "high", 0.85, True),  # data less complete than the rule asks
    ("checkout", "low", 1.0, True),  # a cold start rests on baselines: a person decides
    ("checkout", "high", 0.95, False),  # the rule is disabled
], ids=["other-criticality", "incomplete-data", "low-confidence", "disabled-rule"])
def test_a_rule_that_does_not_match_decides_nothing(service_id: str, confidence: str,
                                                    completeness: float, enabled: bool
                                                    ) -> None:
    approving = Approving()
    approving.rule(LOW_RULE, enabled)
    recommendation = approving.world.recommendation(service_id, TARGETS)
    assert approving.approve.consider(service_id, recommendation, confidence, completeness,
                                      TARGETS) is None
    assert approving.world.ledger.active_slo(service_id) is None
    assert approving.world.status_of(recommendation) == "active"
    assert approving.events() == []


def test_a_rule_for_other_teams_decides_nothing() -> None:
    approving = Approving()
    approving.rule(RuleConditions(teams=("payments",)))
    recommendation = approving.world.recommendation("checkout", TARGETS)
    assert approving.approve.consider("checkout", recommendation, "high", 1.0, TARGETS) is None
    assert approving.events() == []


def test_the_oldest_matching_rule_decides_the_tier() -> None:
    approving = Approving()
    oldest = approving.rule(RuleConditions(tier="aggressive"), name="all")
    approving.rule(LOW_RULE)
    recommendation = approving.world.recommendation("checkout", TARGETS)
    outcome = approving.approve.consider("checkout", recommendation, "high", 1.0, TARGETS)
    assert outcome is not None
    assert outcome.slo is not None
    assert (outcome.slo["availability_target_ratio"], outcome.slo["activated_by"]) == (
        0.999, f"auto-approval-rule:{oldest.rule_id}")


def test_targets_that_are_active_already_are_not_approved_again() -> None:
    approving = Approving()
    approving.rule(LOW_RULE)
    first = approving.world.recommendation("checkout", TARGETS)
    assert approving.approve.consider("checkout", first, "high", 1.0, TARGETS) is not None
    again = approving.world.recommendation("checkout", TARGETS)
    assert approving.approve.consider("checkout", again, "high", 1.0, TARGETS) is None
    assert [v["version"] for v in approving.world.ledger.slo_versions("checkout")] == [1]
    assert approving.world.status_of(again) == "active"
    changed = RecommendedTargets({"conservative": 0.992})
    newer = approving.world.recommendation("checkout", changed)
    outcome = approving.approve.consider("checkout", newer, "high", 1.0, changed)
    assert outcome is not None
    assert outcome.slo is not None
    assert outcome.slo["version"] == 2


def test_a_recommendation_a_person_decided_first_is_skipped() -> None:
    approving = Approving()
    approving.rule(LOW_RULE)
    recommendation = approving.world.recommendation("checkout", TARGETS)
    approving.world.decisions().decide("checkout", SloDecision(recommendation, "reject",
                                                               "alice", rationale="no"))
    assert approving.approve.consider("checkout", recommendation, "high", 1.0, TARGETS) is None
    assert [e["action"] for e in approving.events()] == ["reject"]


def test_a_served_recommendation_a_rule_approved_says_so_and_is_cached_so() -> None:
    approving = Approving()
    rule = approving.rule(RuleConditions(confidence_min=0.85), name="everything")
    world = approving.world
    recommend = RecommendSlos(world.store, world.snapshots,
                              InMemoryTelemetry({"checkout": steady_series(1000, 1, 31)}),
                              world.clock, load_policy(),
                              ForecastPriors(fitted_prior_store()))
    serve = ServeRecommendation(recommend, world.store, world.cache, world.clock,
                                approving.approve)
    served = asyncio.run(serve.get(serve.request("checkout")))
    record = served.content
    assert isinstance(record, RecommendationRecord)
    assert record.availability is not None
    active = world.ledger.active_slo("checkout")
    assert active is not None
    assert record.auto_approved == AutoApprovalRecord(active["slo_id"], 1,
                                                      f"auto-approval-rule:{rule.rule_id}")
    assert active["availability_target_ratio"] == \
        record.availability.tiers["balanced"].target_ratio
    assert world.status_of(record.recommendation_id) == "accepted"
    cached = asyncio.run(serve.get(serve.request("checkout")))
    assert (cached.source, cached.content) == ("cache", record)


def test_a_recommendation_on_the_default_prior_is_not_auto_approved() -> None:
    approving = Approving()
    approving.rule(RuleConditions(confidence_min=0.85), name="everything")
    world = approving.world
    recommend = RecommendSlos(world.store, world.snapshots,
                              InMemoryTelemetry({"checkout": steady_series(1000, 1, 31)}),
                              world.clock, load_policy(),
                              ForecastPriors(InMemoryForecastPriors()))  # none fitted
    serve = ServeRecommendation(recommend, world.store, world.cache, world.clock,
                                approving.approve)
    served = asyncio.run(serve.get(serve.request("checkout")))
    record = served.content
    assert isinstance(record, RecommendationRecord)
    assert record.auto_approved is None  # provisional: no rule activates it
    assert world.ledger.active_slo("checkout") is None
