"""The ApprovalRuleStore port over any CypherRunner; conditions travel as JSON text."""

from __future__ import annotations

import orjson

from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import Row
from slo_engine.domain.auto_approval import AutoApprovalRule, RuleConditions

RULE_QUERIES = ["auto_approval/create_rule", "auto_approval/list_rules",
                "auto_approval/update_rule", "auto_approval/delete_rule"]


def _rule(row: Row) -> AutoApprovalRule:
    return AutoApprovalRule(row["rule_id"], row["name"],
                            RuleConditions.from_record(orjson.loads(row["conditions"])),
                            bool(row["enabled"]), row["created_by"], int(row["created_at"]),
                            int(row["updated_at"]))


def _conditions_text(conditions: RuleConditions) -> str:
    return orjson.dumps(conditions.to_record(), option=orjson.OPT_SORT_KEYS).decode()


class GraphApprovalRules:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner

    def list_rules(self) -> list[AutoApprovalRule]:
        return [_rule(row) for row in self._runner.read("auto_approval/list_rules")]

    def get_rule(self, rule_id: str) -> AutoApprovalRule | None:
        return next((r for r in self.list_rules() if r.rule_id == rule_id), None)

    def create_rule(self, rule: AutoApprovalRule) -> None:
        self._runner.write("auto_approval/create_rule", rule_id=rule.rule_id, rule_name=rule.name,
                           conditions=_conditions_text(rule.conditions), enabled=rule.enabled,
                           created_by=rule.created_by, now=rule.created_at_ms)

    def update_rule(self, rule: AutoApprovalRule) -> bool:
        rows = self._runner.write("auto_approval/update_rule", rule_id=rule.rule_id,
                                  rule_name=rule.name,
                                  conditions=_conditions_text(rule.conditions),
                                  enabled=rule.enabled, now=rule.updated_at_ms)
        return bool(rows)

    def delete_rule(self, rule_id: str) -> bool:
        rows = self._runner.write("auto_approval/delete_rule", rule_id=rule_id)
        return bool(rows and rows[0]["deleted"])
