from __future__ import annotations

from slo_engine.domain.auto_approval import AutoApprovalRule, RuleConditions, first_matching_rule

LOW = {"service_id": "search", "criticality": "low", "team": "shop"}


def rule(rule_id: str, created: int, enabled: bool = True, **conditions: object
         ) -> AutoApprovalRule:
    return AutoApprovalRule(rule_id, rule_id, RuleConditions(**conditions),  # type: ignore[arg-type]
                            enabled, "admin", created, created)


def test_criticality_team_and_completeness_must_all_hold() -> None:
    conditions = RuleConditions(("low", "medium"), ("shop",), 0.9)
    assert conditions.matches(LOW, "high", 0.95)
    assert not conditions.matches({**LOW, "criticality": "critical"}, "high", 0.95)
    assert not conditions.matches({**LOW, "team": "payments"}, "high", 0.95)
    assert not conditions.matches(LOW, "high", 0.85)


def test_empty_lists_match_any_service_but_cold_starts_never_match() -> None:
    assert RuleConditions().matches({}, "high", 0.9)
    assert not RuleConditions(confidence_min=0.0).matches(LOW, "low", 1.0)


def test_the_oldest_enabled_match_decides() -> None:
    rules = [rule("newer", 2, tier="aggressive"), rule("older", 1, tier="conservative"),
             rule("oldest-but-off", 0, enabled=False)]
    chosen = first_matching_rule(rules, LOW, "high", 1.0)
    assert chosen is not None
    assert chosen.rule_id == "older"
    assert first_matching_rule([rule("off", 0, enabled=False)], LOW, "high", 1.0) is None


def test_conditions_survive_their_stored_record() -> None:
    conditions = RuleConditions(("low",), ("shop",), 0.7, "aggressive")
    assert RuleConditions.from_record(conditions.to_record()) == conditions
