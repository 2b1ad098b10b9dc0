"""Step 3: multiwindow, multi-burn-rate alerts (SRE workbook, ch. 5), a guard against
paging on a handful of requests, and an alert for the SLI's data going missing.

A pair fires when the error ratio exceeds factor x budget over both its long window (the
burn is significant) and its short one (it is still going on). A pair also needs
`min_events` requests in its long window: one failure in two requests is a 50% error
ratio, not an outage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from slo_engine.domain.burn_evaluation import BurnPair
from slo_engine.domain.promql_text import duration, number
from slo_engine.domain.time_units import MINUTE_SECONDS
from slo_engine.generators.alert_windows import AlertWindows, SeverityWindows, WindowPair
from slo_engine.generators.number_text import percent
from slo_engine.generators.rule_model import AlertingRule, RuleGroup, template_safe
from slo_engine.generators.sli_rules import (
    SLI_ERROR_RECORD,
    identity_selector,
    rule_labels,
    sli_selectors,
)
from slo_engine.generators.slo_spec import SloSpec

BURN_ALERT = "SLOErrorBudgetBurn"
ABSENT_ALERT = "SLOMetricAbsent"


@dataclass(frozen=True)
class AlertOptions:
    min_events: int = 20  # requests in a pair's long window before it may fire


def _ratio_above(spec: SloSpec, window_seconds: int, factor: float) -> str:
    sli = identity_selector(SLI_ERROR_RECORD.format(window=duration(window_seconds)), spec)
    return (f"max({sli} > ({number(factor)} * {number(spec.error_budget_ratio)})) "
            f"without (sloth_window)")


def _pair_expr(spec: SloSpec, pair: WindowPair, options: AlertOptions) -> str:
    factor = pair.factor(spec.period_days)
    total = sli_selectors(spec).total
    return ("(\n"
            f"  {_ratio_above(spec, pair.long_seconds, factor)}\n  and\n"
            f"  {_ratio_above(spec, pair.short_seconds, factor)}\n  and on ()\n"
            f"  sum(increase({total}[{duration(pair.long_seconds)}])) >= {options.min_events}"
            "\n)")


def burn_pairs(spec: SloSpec, severity: SeverityWindows) -> tuple[BurnPair, ...]:
    """The pairs of `burn_alert`'s expression as values, for evaluating it without
    PromQL: each threshold is what Prometheus computes from the numbers written."""
    budget = float(number(spec.error_budget_ratio))
    return tuple(BurnPair(p.long_seconds, p.short_seconds,
                          float(number(p.factor(spec.period_days))) * budget)
                 for p in severity.pairs)


def _description(spec: SloSpec, severity: SeverityWindows, options: AlertOptions) -> str:
    budget = spec.error_budget_ratio
    pairs = ", or ".join(
        f"{number(p.factor(spec.period_days))}x the budget "
        f"({percent(p.factor(spec.period_days) * budget, 4)}) over both "
        f"{duration(p.long_seconds)} and {duration(p.short_seconds)}"
        for p in severity.pairs)
    shares = " or ".join(percent(p.budget_share, 4) for p in severity.pairs)
    return (f"Objective {percent(spec.objective_ratio, 4)} of {spec.sli_name} over "
            f"{spec.period_days}d (error budget {percent(budget, 4)}). Fires when the error "
            f"ratio exceeds {pairs}, with at least {options.min_events} requests in the long "
            f"window. At that rate each long window spends {shares} of the period's budget.")


def _annotations(spec: SloSpec, summary: str, description: str) -> dict[str, str]:
    notes = {"summary": template_safe(summary), "description": template_safe(description)}
    if spec.runbook_url:
        notes["runbook_url"] = template_safe(spec.runbook_url)
    if spec.dashboard_url:
        notes["dashboard_url"] = template_safe(spec.dashboard_url)
    return notes


def burn_alert(spec: SloSpec, severity: SeverityWindows, options: AlertOptions
               ) -> AlertingRule:
    expr = "\nor\n".join(_pair_expr(spec, pair, options) for pair in severity.pairs)
    summary = (f"{spec.service_id} is burning the error budget of its {spec.sli_name} SLO "
               f"too fast ({severity.severity})")
    return AlertingRule(BURN_ALERT, expr, _alert_labels(spec, severity.severity),
                        _annotations(spec, summary, _description(spec, severity, options)))


def absent_for_seconds(spec: SloSpec, windows: AlertWindows) -> int:
    """How long the fastest page pair takes to fire at 100% errors, in whole minutes (at
    least one): its long window's ratio crosses factor x budget after
    long x factor x budget = budget share x period x budget. Missing data pages no sooner
    than an outage would (Pyrra's rule)."""
    fastest = min(p.budget_share * spec.period_days * 86_400 * spec.error_budget_ratio
                  for p in windows.fastest_page.pairs)
    return max(MINUTE_SECONDS, math.ceil(fastest / MINUTE_SECONDS) * MINUTE_SECONDS)


def _alert_labels(spec: SloSpec, severity: str) -> dict[str, str]:
    """The SLI's ids (alerts of two SLIs must differ in labels) and the severity."""
    labels = {key: template_safe(value) for key, value in rule_labels(spec).items()}
    return {**labels, "severity": severity, "sloth_severity": severity}


def absent_alert(spec: SloSpec, windows: AlertWindows) -> AlertingRule:
    severity = windows.fastest_page.severity
    summary = f"{spec.service_id} reports no requests: its {spec.sli_name} SLO cannot be judged"
    description = (f"No series matches {sli_selectors(spec).total}. The SLI, its burn-rate "
                   "alerts and the error budget are blind until it returns: check the "
                   "scrape target, the metric and label names, and the service itself.")
    return AlertingRule(ABSENT_ALERT, f"absent({sli_selectors(spec).total})",
                        _alert_labels(spec, severity), _annotations(spec, summary, description),
                        absent_for_seconds(spec, windows))


def alert_rules(spec: SloSpec, windows: AlertWindows, options: AlertOptions) -> RuleGroup:
    rules = (*(burn_alert(spec, s, options) for s in windows.severities),
             absent_alert(spec, windows))
    return RuleGroup(f"slo-alerts-{spec.rule_id}", rules)
