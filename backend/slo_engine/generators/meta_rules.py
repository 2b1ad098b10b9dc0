"""Step 2: what dashboards and people read beside the SLI: objective, error budget,
period, burn rates and the budget left (Sloth's names), and one info series."""

from __future__ import annotations

from slo_engine.domain.promql_text import duration, number
from slo_engine.generators.rule_model import RecordingRule, RuleGroup
from slo_engine.generators.sli_rules import SLI_ERROR_RECORD, identity_selector, rule_labels
from slo_engine.generators.slo_spec import SloSpec

GENERATOR_VERSION = "1"  # bump when generated output changes for the same SLO version
INFO_RECORD = "slo_engine_slo_info"
_SLOTH_IDS = "on (sloth_id, sloth_slo, sloth_service) group_left"


def meta_rules(spec: SloSpec) -> RuleGroup:
    labels = rule_labels(spec)
    period = duration(spec.period_days * 86_400)
    budget = identity_selector("slo:error_budget:ratio", spec)

    def burn(record: str, window: str) -> RecordingRule:
        sli = identity_selector(SLI_ERROR_RECORD.format(window=window), spec)
        return RecordingRule(record, f"{sli}\n/ {_SLOTH_IDS}\n{budget}", labels)

    rules = (
        RecordingRule("slo:objective:ratio", f"vector({number(spec.objective_ratio)})", labels),
        RecordingRule("slo:error_budget:ratio", f"vector({number(spec.error_budget_ratio)})",
                      labels),
        RecordingRule("slo:time_period:days", f"vector({spec.period_days})", labels),
        burn("slo:current_burn_rate:ratio", "5m"),
        burn("slo:period_burn_rate:ratio", period),
        RecordingRule("slo:period_error_budget_remaining:ratio",
                      f"1 - {identity_selector('slo:period_burn_rate:ratio', spec)}", labels),
        RecordingRule(INFO_RECORD, "vector(1)", {
            **labels, "objective": number(spec.objective_ratio), "period": period,
            "sli_kind": spec.kind, "generator_version": GENERATOR_VERSION}),
    )
    return RuleGroup(f"slo-meta-recordings-{spec.rule_id}", rules)
