"""Auto-approval rules (TRD FR-11): which generated recommendations are accepted without
a human, and at which tier. Conditions are all-of; an empty list matches everything."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RuleConditions:
    criticality: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    confidence_min: float = 0.85  # data completeness the recommendation must reach
    tier: str = "balanced"

    def matches(self, service: Mapping[str, Any], confidence: str,
                completeness_ratio: float) -> bool:
        """Low-confidence (cold-start) recommendations never match: they rest on archetype
        baselines, which a human should look at."""
        return (confidence == "high" and completeness_ratio >= self.confidence_min
                and (not self.criticality or service.get("criticality") in self.criticality)
                and (not self.teams or service.get("team") in self.teams))

    def to_record(self) -> dict[str, Any]:
        return {"criticality": list(self.criticality), "teams": list(self.teams),
                "confidence_min": self.confidence_min, "tier": self.tier}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> RuleConditions:
        return cls(tuple(record.get("criticality") or ()), tuple(record.get("teams") or ()),
                   float(record.get("confidence_min", 0.85)), str(record.get("tier", "balanced")))


@dataclass(frozen=True)
class AutoApprovalRule:
    rule_id: str
    name: str
    conditions: RuleConditions
    enabled: bool
    created_by: str
    created_at_ms: int
    updated_at_ms: int


def first_matching_rule(rules: list[AutoApprovalRule], service: Mapping[str, Any],
                        confidence: str, completeness_ratio: float) -> AutoApprovalRule | None:
    """Enabled rules in creation order; the oldest match decides the tier."""
    for rule in sorted(rules, key=lambda r: (r.created_at_ms, r.rule_id)):
        if rule.enabled and rule.conditions.matches(service, confidence, completeness_ratio):
            return rule
    return None
