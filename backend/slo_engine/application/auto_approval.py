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
from slo_engine.domain.errors import AutoApprovalRuleNotFound, InvalidInput, NotFound, SloConflict
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


class AutoApprovalRules:
    """Managing the rules (administrators); `AutoApprove` applies them."""

    def __init__(self, store: ApprovalRuleStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def list(self) -> list[AutoApprovalRule]:
        """Oldest first: the oldest match wins."""
        return self._store.list_rules()

    def get(self, rule_id: str) -> AutoApprovalRule:
        rule = self._store.get_rule(rule_id)
        if rule is None:
            raise AutoApprovalRuleNotFound(rule_id)
        return rule

    def create(self, name: str, conditions: RuleConditions, enabled: bool, created_by: str
               ) -> AutoApprovalRule:
        rule = new_rule(self._clock, name, conditions, enabled, created_by)
        self._store.create_rule(rule)
        return rule

    def update(self, rule_id: str, name: str | None, conditions: RuleConditions | None,
               enabled: bool | None) -> AutoApprovalRule:
        rule = changed_rule(self.get(rule_id), self._clock, name, conditions, enabled)
        if not self._store.update_rule(rule):  # deleted meanwhile
            raise AutoApprovalRuleNotFound(rule_id)
        return rule

    def delete(self, rule_id: str) -> None:
        if not self._store.delete_rule(rule_id):
            raise AutoApprovalRuleNotFound(rule_id)


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
