"""Unit tests of the generated rules, for `promtool test rules`: shipped beside the rule
files so a team's CI checks the alerts' behaviour, not only their syntax.

Each SLI gets five scenarios on one-minute samples: no errors fires nothing; a full
outage after an hour pages within the fastest page pair's time; a steady 1.5x burn never
pages but opens a ticket; missing data fires the absent alert after its `for`; a quiet
service failing one of its two requests pages nobody. Only alert labels and annotations
and exact-in-binary sample values are compared (promtool 2.42 compares floats exactly).
"""

from __future__ import annotations

import math
from typing import Any

from slo_engine.domain.promql_text import number, selector
from slo_engine.generators.alert_rules import (
    ABSENT_ALERT,
    BURN_ALERT,
    absent_alert,
    absent_for_seconds,
    burn_alert,
)
from slo_engine.generators.alert_windows import AlertWindows
from slo_engine.generators.rule_model import AlertingRule
from slo_engine.generators.rule_pipeline import RuleOptions
from slo_engine.generators.sli_rules import judged_bucket, rule_labels
from slo_engine.generators.slo_spec import SloSpec

ONSET_MINUTES = 60
PER_MINUTE = 1_000.0  # requests a minute in the busy scenarios
STEADY_BURN = 1.5  # above the slowest ticket pair's 1x, below every page pair's factor
STEADY_MINUTES = 6 * 60


def _minutes(n: int) -> str:
    return f"{n}m"


Segment = tuple[float, float, int]  # promtool's 'start+step x n': n + 1 samples


def _values(segments: list[Segment]) -> str:
    return " ".join(f"{number(a)}+{number(b)}x{n}" for a, b, n in segments)


class _Series:
    """The input series of one SLI: good and bad request counters in its own names."""

    def __init__(self, spec: SloSpec) -> None:
        self.spec = spec
        metrics = spec.metrics
        self.service = metrics.service_matchers(spec.service_id)
        if spec.latency is None:
            code = metrics.code_label
            self.good = selector(metrics.requests_metric, {**self.service, code: "200"})
            self.bad = selector(metrics.requests_metric, {**self.service, code: "500"})
        else:
            bound = judged_bucket(spec)[0]
            self.good = selector(metrics.duration_bucket_metric,
                                 {**self.service, "le": repr(float(bound))})
            self.bad = selector(metrics.duration_bucket_metric, {**self.service, "le": "+Inf"})

    def counters(self, good: list[Segment], bad: list[Segment]) -> list[dict[str, str]]:
        """Availability counts good and bad codes apart; a histogram's +Inf bucket counts
        every request, so there the second series is good + bad (segments aligned)."""
        if self.spec.latency is None:
            second = bad
        else:
            second = [(ga + ba, gb + bb, gn) for (ga, gb, gn), (ba, bb, bn)
                      in zip(good, bad, strict=True) if gn == bn]
            if len(second) != len(good):
                raise ValueError("good and bad segments must have the same lengths")
        return [{"series": self.good, "values": _values(good)},
                {"series": self.bad, "values": _values(second)}]


def _expected(rule: AlertingRule, extra_labels: dict[str, str] | None = None
              ) -> dict[str, Any]:
    """What promtool shows of a firing alert: its labels and annotations after template
    expansion (our escapes expand back to the original text)."""
    def plain(text: str) -> str:
        return text.replace('{{ "{{" }}', "{{")

    labels = {**(extra_labels or {}), **{k: plain(v) for k, v in rule.labels.items()}}
    return {"exp_labels": labels,
            "exp_annotations": {k: plain(v) for k, v in rule.annotations.items()}}


def _alert_test(at_minutes: int, name: str, expected: list[dict[str, Any]]) -> dict[str, Any]:
    return {"eval_time": _minutes(at_minutes), "alertname": name, "exp_alerts": expected}


def _burn_rules(spec: SloSpec, windows: AlertWindows, options: RuleOptions
                ) -> dict[str, AlertingRule]:
    return {s.severity: burn_alert(spec, s, options.alerts) for s in windows.severities}


def no_errors(spec: SloSpec) -> dict[str, Any]:
    series = _Series(spec)
    return {"name": f"{spec.rule_id}: no errors, nothing fires", "interval": "1m",
            "input_series": series.counters([(0, PER_MINUTE, 120)], [(0, 0, 120)]),
            "alert_rule_test": [_alert_test(120, BURN_ALERT, []),
                                _alert_test(120, ABSENT_ALERT, [])]}


def page_fire_minutes(spec: SloSpec, windows: AlertWindows) -> int:
    """Minutes after a full outage begins by which the page must fire: the fastest pair's
    crossing time (absent_for_seconds) plus two samples for rates and rules to see it."""
    return math.ceil(absent_for_seconds(spec, windows) / 60) + 2


def full_outage(spec: SloSpec, windows: AlertWindows, options: RuleOptions) -> dict[str, Any]:
    series = _Series(spec)
    fire = page_fire_minutes(spec, windows)
    end = ONSET_MINUTES + fire
    good: list[Segment] = [(0, PER_MINUTE, ONSET_MINUTES),
                           (PER_MINUTE * ONSET_MINUTES, 0, fire)]
    bad: list[Segment] = [(0, 0, ONSET_MINUTES), (PER_MINUTE, PER_MINUTE, fire)]
    firing = [_expected(rule, rule_labels(spec))
              for rule in _burn_rules(spec, windows, options).values()]
    return {"name": f"{spec.rule_id}: a full outage pages within {fire} minutes",
            "interval": "1m", "input_series": series.counters(good, bad),
            "alert_rule_test": [_alert_test(ONSET_MINUTES, BURN_ALERT, []),
                                _alert_test(end, BURN_ALERT, firing)]}


def steady_burn(spec: SloSpec, windows: AlertWindows, options: RuleOptions
                ) -> dict[str, Any]:
    series = _Series(spec)
    bad_rate = PER_MINUTE * STEADY_BURN * spec.error_budget_ratio
    rules = _burn_rules(spec, windows, options)
    ticket = [_expected(rules[s.severity], rule_labels(spec))
              for s in windows.severities[1:]]
    checks = [_alert_test(minute, BURN_ALERT, ticket) for minute in (60, 180, STEADY_MINUTES)]
    return {"name": f"{spec.rule_id}: a steady {STEADY_BURN}x burn opens a ticket, never a page",
            "interval": "1m",
            "input_series": series.counters([(0, PER_MINUTE - bad_rate, STEADY_MINUTES)],
                                            [(0, bad_rate, STEADY_MINUTES)]),
            "alert_rule_test": checks}


def absent_data(spec: SloSpec, windows: AlertWindows) -> dict[str, Any]:
    rule = absent_alert(spec, windows)
    after = rule.for_seconds // 60
    absent_labels = dict(_Series(spec).service)
    if spec.latency is not None:
        absent_labels["le"] = "+Inf"
    return {"name": f"{spec.rule_id}: missing data fires {ABSENT_ALERT} after {after}m",
            "interval": "1m",
            "input_series": [{"series": 'up{job="unrelated"}', "values": f"1x{after + 2}"}],
            "alert_rule_test": [_alert_test(after - 1, ABSENT_ALERT, []),
                                _alert_test(after + 1, ABSENT_ALERT,
                                            [_expected(rule, absent_labels)])]}


def quiet_service(spec: SloSpec) -> dict[str, Any]:
    """One failure in two requests an hour: 50% errors, and below the traffic guard."""
    series = _Series(spec)
    return {"name": f"{spec.rule_id}: one failure in two requests pages nobody",
            "interval": "1m",
            "input_series": series.counters([(0, 0, 30), (1, 0, 10), (1, 0, 79)],
                                            [(0, 0, 30), (0, 0, 10), (1, 0, 79)]),
            "alert_rule_test": [_alert_test(45, BURN_ALERT, []),
                                _alert_test(100, BURN_ALERT, [])]}


def meta_values(spec: SloSpec) -> dict[str, Any]:
    labels = rule_labels(spec)

    def sample(record: str, value: float) -> dict[str, Any]:
        return {"expr": selector(record, {"sloth_id": spec.rule_id}),
                "eval_time": "1m", "exp_samples": [{"labels": selector(record, labels),
                                                    "value": value}]}

    return {"name": f"{spec.rule_id}: objective, budget and period are recorded",
            "interval": "1m",
            "input_series": _Series(spec).counters([(0, PER_MINUTE, 2)], [(0, 0, 2)]),
            "promql_expr_test": [sample("slo:objective:ratio", spec.objective_ratio),
                                 sample("slo:error_budget:ratio", spec.error_budget_ratio),
                                 sample("slo:time_period:days", float(spec.period_days))]}


def promtool_tests(spec: SloSpec, windows: AlertWindows, options: RuleOptions
                   ) -> list[dict[str, Any]]:
    return [no_errors(spec), full_outage(spec, windows, options),
            steady_burn(spec, windows, options), absent_data(spec, windows),
            quiet_service(spec), meta_values(spec)]


def promtool_test_file(spec: SloSpec, windows: AlertWindows, rule_files: list[str],
                       options: RuleOptions | None = None) -> dict[str, Any]:
    """The test file of one SLI, over the rule files holding only its rules (another
    SLI's absent-data alert would fire on this one's inputs)."""
    return {"rule_files": rule_files, "evaluation_interval": "1m",
            "tests": promtool_tests(spec, windows, options or RuleOptions())}
