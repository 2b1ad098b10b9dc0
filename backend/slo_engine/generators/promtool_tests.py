"""Unit tests of the generated rules, for `promtool test rules`: shipped beside the rule
files so a team's CI checks the alerts' behaviour, not only their syntax.

Scenarios on one-minute samples: every SLI healthy fires nothing; no data fires each
SLI's absent alert after its `for`; and per SLI: a full outage after an hour pages within
the fastest page pair's time; a steady 1.5x burn never pages but opens a ticket; a quiet
service failing one of its two requests pages nobody; the meta rules hold the numbers.
Only alert labels and annotations and exact-in-binary sample values are compared
(promtool 2.42 compares floats exactly).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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


def expected_alert(rule: AlertingRule, extra_labels: dict[str, str] | None = None
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


def all_healthy(specs: Sequence[SloSpec]) -> dict[str, Any]:
    """Every SLI of the file with traffic and no errors: no burn alert, no absent alert."""
    series: dict[str, str] = {}
    for spec in specs:  # two latency SLIs of a service share the +Inf series (same values)
        for entry in _Series(spec).counters([(0, PER_MINUTE, 120)], [(0, 0, 120)]):
            series[entry["series"]] = entry["values"]
    return {"name": "every SLI has traffic and no errors: nothing fires", "interval": "1m",
            "input_series": [{"series": k, "values": v} for k, v in series.items()],
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
    firing = [expected_alert(rule, rule_labels(spec))
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
    ticket = [expected_alert(rules[s.severity], rule_labels(spec))
              for s in windows.severities[1:]]
    checks = [_alert_test(minute, BURN_ALERT, ticket) for minute in (60, 180, STEADY_MINUTES)]
    return {"name": f"{spec.rule_id}: a steady {STEADY_BURN}x burn opens a ticket, never a page",
            "interval": "1m",
            "input_series": series.counters([(0, PER_MINUTE - bad_rate, STEADY_MINUTES)],
                                            [(0, bad_rate, STEADY_MINUTES)]),
            "alert_rule_test": checks}


def no_data(specs: Sequence[tuple[SloSpec, AlertWindows]]) -> dict[str, Any]:
    """No series at all: each SLI's absent alert fires once its `for` has passed, and
    none before the shortest has."""
    rules = [(spec, absent_alert(spec, windows)) for spec, windows in specs]
    first = min(rule.for_seconds for _, rule in rules) // 60
    last = max(rule.for_seconds for _, rule in rules) // 60
    firing = []
    for spec, rule in rules:
        labels = dict(_Series(spec).service)
        if spec.latency is not None:
            labels["le"] = "+Inf"
        firing.append(expected_alert(rule, labels))
    return {"name": f"no data: every {ABSENT_ALERT} fires within {last}m", "interval": "1m",
            "input_series": [{"series": 'up{job="unrelated"}', "values": f"1x{last + 2}"}],
            "alert_rule_test": [_alert_test(first - 1, ABSENT_ALERT, []),
                                _alert_test(last + 1, ABSENT_ALERT, firing)]}


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
    """One SLI's scenarios. They assert its burn alerts only: the other SLIs of the file
    have no series in them, so their absent-data alerts fire (no_data covers those)."""
    return [full_outage(spec, windows, options), steady_burn(spec, windows, options),
            quiet_service(spec), meta_values(spec)]


def promtool_test_file(specs: Sequence[tuple[SloSpec, AlertWindows]], rule_files: list[str],
                       options: RuleOptions | None = None) -> dict[str, Any]:
    """The test file of a rule file holding these SLIs (all of them, or a team's)."""
    options = options or RuleOptions()
    tests = [all_healthy([spec for spec, _ in specs]), no_data(specs)]
    for spec, windows in specs:
        tests.extend(promtool_tests(spec, windows, options))
    return {"rule_files": rule_files, "evaluation_interval": "1m", "tests": tests}
