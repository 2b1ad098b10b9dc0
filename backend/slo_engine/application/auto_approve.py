"""FR-11: accept freshly generated recommendations that an enabled rule covers, through
the same decision path as a human (so the audit trail records `auto_approve` and names
the rule), unless the active SLO already has those targets."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace

from slo_engine.application.decide_slo import DecideSlo, DecisionOutcome, SloDecision
from slo_engine.application.ports import ApprovalRuleStore, Clock, GraphStore, SloLedger
from slo_engine.domain.auto_approval import AutoApprovalRule, RuleConditions, first_matching_rule
from slo_engine.domain.errors import InvalidInput, NotFound, SloConflict
from slo_engine.domain.slo import RecommendedTargets, SloTargets

log = logging.getLogger(__name__)


class AutoApprove:
    def __init__(self, rules: ApprovalRuleStore, graph: GraphStore, ledger: SloLedger,
                 decisions: DecideSlo) -> None:
        self._rules = rules
        self._graph = graph
        self._ledger = ledger
        self._decisions = decisions

    def consider(self, service_id: str, recommendation_id: str, confidence: str,
                 completeness_ratio: float, targets: RecommendedTargets
                 ) -> DecisionOutcome | None:
        rules = [r for r in self._rules.list_rules() if r.enabled]
        service = self._graph.get_service(service_id) if rules else None
        rule = first_matching_rule(rules, service or {}, confidence, completeness_ratio)
        if rule is None:
            return None
        tier = rule.conditions.tier
        if self._already_active(service_id, targets.for_tier(tier)):
            return None
        decision = SloDecision(recommendation_id, "auto_approve",
                               f"auto-approval-rule:{rule.rule_id}", tier,
                               rationale=f"Matched auto-approval rule '{rule.name}'")
        try:
            return self._decisions.decide(service_id, decision)
        except (SloConflict, InvalidInput, NotFound) as error:
            log.info("auto-approval of %s by rule %s skipped: %s", service_id, rule.rule_id,
                     error)
            return None

    def _already_active(self, service_id: str, tier: SloTargets) -> bool:
        active = self._ledger.active_slo(service_id)
        if active is None:
            return False
        latency = active.get("latency_targets_seconds") or {}
        return (tier.availability_ratio in (None, active.get("availability_target_ratio"))
                and all(latency.get(k) == v for k, v in tier.latency_seconds.items()))


def new_rule(clock: Clock, name: str, conditions: RuleConditions, enabled: bool,
             created_by: str) -> AutoApprovalRule:
    now = clock.now_ms()
    return AutoApprovalRule(str(uuid.uuid4()), name, conditions, enabled, created_by, now, now)


def changed_rule(rule: AutoApprovalRule, clock: Clock, name: str | None,
                 conditions: RuleConditions | None, enabled: bool | None) -> AutoApprovalRule:
    return replace(rule, name=rule.name if name is None else name,
                   conditions=rule.conditions if conditions is None else conditions,
                   enabled=rule.enabled if enabled is None else enabled,
                   updated_at_ms=clock.now_ms())
