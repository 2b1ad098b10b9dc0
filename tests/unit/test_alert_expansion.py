"""Generated alerts with their recording rules inline (generators/alert_expansion.py):
valid PromQL, reading no recorded series, and the same expression as substituting each
recording rule into the parsed alert (a second, independent expansion on the syntax
tree, by the `promql-parser` package)."""

from __future__ import annotations

import promql_parser as promql
import pytest

from slo_engine.generators.alert_expansion import (
    UnexpandableAlert,
    budget_queries,
    expand,
    expanded_alerts,
    recorded_selector,
)
from slo_engine.generators.alert_rules import ABSENT_ALERT, BURN_ALERT
from slo_engine.generators.rule_model import AlertingRule, RecordingRule, RuleGroup
from slo_engine.generators.rule_pipeline import generate_rules
from slo_engine.generators.sli_rules import IDENTITY_LABELS
from slo_engine.policy.loader import load_alert_windows
from tests.rule_samples import SAMPLES

Key = tuple[str, frozenset[tuple[str, str]]]


def _groups(name: str) -> tuple[RuleGroup, ...]:
    return generate_rules(SAMPLES[name], load_alert_windows()).groups


def _selectors(expr: promql.Expr) -> list[promql.VectorSelector]:
    found: list[promql.VectorSelector] = []

    def visit(node: promql.Expr) -> None:
        if isinstance(node, promql.VectorSelector):  # also those inside range selectors
            found.append(node)

    promql.walk(expr, visit)
    return found


def _key(node: promql.VectorSelector) -> Key:
    return (node.name or "", frozenset((m.name, m.value) for m in node.matchers.matchers))


def _substituted(alert: AlertingRule, groups: tuple[RuleGroup, ...]) -> str:
    """The alert's syntax tree with each recorded selector replaced by its rule's tree."""
    rules = {(r.record, frozenset((label, r.labels[label]) for label in IDENTITY_LABELS)):
             r.expr for g in groups for r in g.rules if isinstance(r, RecordingRule)}

    def replace(node: promql.Expr) -> promql.Expr | None:
        if isinstance(node, promql.VectorSelector) and _key(node) in rules:
            return promql.parse(f"({rules[_key(node)]})")
        return None

    return str(promql.transform(promql.parse(alert.expr), post_visit=replace))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_expanded_alert_parses_and_reads_only_the_slis_own_counters(name: str) -> None:
    groups = _groups(name)
    metrics = {s.metrics.requests_metric for s in SAMPLES[name]} | {
        s.metrics.duration_bucket_metric for s in SAMPLES[name]}
    for alert in expanded_alerts(groups):
        read = {node.name for node in _selectors(promql.parse(alert.expr))}
        assert len(read) == 1, (alert.alert, read)
        assert read <= metrics, (alert.alert, read)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_expansion_equals_substituting_each_recording_rule_in_the_parsed_alert(
        name: str) -> None:
    groups = _groups(name)
    rules = [r for g in groups for r in g.rules if isinstance(r, AlertingRule)]
    expanded = expanded_alerts(groups)
    assert [a.alert for a in expanded] == [r.alert for r in rules]
    for rule, alert in zip(rules, expanded, strict=True):
        assert str(promql.parse(alert.expr)) == _substituted(rule, groups)


def test_the_checkout_page_reads_the_one_hour_error_ratio_inline() -> None:
    page, ticket, absent = expanded_alerts(_groups("checkout-availability-30d"))
    first_pair = page.expr.split("\n  and\n")[0]
    assert first_pair == (
        '(\n  max(((sum(rate(http_requests_total{service="checkout", code=~"5.."}[1h])) '
        'or vector(0))\n/\nsum(rate(http_requests_total{service="checkout"}[1h]))) '
        "> (14.4 * 0.001)) without (sloth_window)")
    assert [(a.alert, a.severity, a.for_seconds, a.interval_seconds)
            for a in (page, ticket, absent)] == [
        (BURN_ALERT, "page", 0, None), (BURN_ALERT, "ticket", 0, None),
        (ABSENT_ALERT, "page", 60, None)]
    assert absent.expr == 'absent(http_requests_total{service="checkout"})'


def test_hostile_label_values_reach_the_expanded_expression_escaped() -> None:
    page = expanded_alerts(_groups("hostile-names"))[0]
    (vector,) = {_key(n)[0] for n in _selectors(promql.parse(page.expr))}
    values = {m.value for n in _selectors(promql.parse(page.expr)) for m in n.matchers.matchers}
    assert vector == "http_requests_total"
    assert {'pay"ments\\api', 'eu"west'} <= values


def test_a_recording_that_reads_another_is_expanded_all_the_way_down() -> None:
    inner = RecordingRule("slo:a", "sum(rate(x[5m]))", {"sloth_id": "s"})
    outer = RecordingRule("slo:b", '2 * slo:a{sloth_id="s"}', {"sloth_id": "s"})
    alert = AlertingRule("A", 'slo:b{sloth_id="s"} > 1', {"severity": "page"},
                         keep_firing_for_seconds=300)
    (expanded,) = expanded_alerts([RuleGroup("g", (inner, outer, alert), 30)])
    assert expanded.expr == "(2 * (sum(rate(x[5m])))) > 1"
    assert (expanded.severity, expanded.keep_firing_for_seconds, expanded.interval_seconds
            ) == ("page", 300, 30)


def test_an_alert_reading_a_recording_under_other_labels_cannot_be_expanded() -> None:
    recorded = RecordingRule("slo:a", "vector(1)", {"sloth_id": "s"})
    alert = AlertingRule("A", 'slo:a{sloth_id="other"} > 0')
    with pytest.raises(UnexpandableAlert, match="A reads slo:a"):
        expanded_alerts([RuleGroup("g", (recorded, alert))])


def test_recordings_that_read_each_other_in_a_loop_cannot_be_expanded() -> None:
    with pytest.raises(UnexpandableAlert, match="deeper than 5"):
        expand("slo:a", {"slo:a": "slo:a + 1"})


def test_a_recorded_selector_names_the_record_and_its_identity_labels() -> None:
    rule = RecordingRule("slo:x", "vector(1)", {"sloth_id": "a", "sloth_service": "b",
                                                "sloth_slo": "c", "team": "t"})
    assert recorded_selector(rule) == 'slo:x{sloth_id="a", sloth_service="b", sloth_slo="c"}'


def test_budget_queries_count_failures_per_step_for_either_kind_of_sli() -> None:
    availability = budget_queries(SAMPLES["checkout-availability-30d"][0], 300)
    assert availability.failed == ('sum(increase(http_requests_total{service="checkout", '
                                   'code=~"5.."}[5m])) or vector(0)')
    assert availability.total == 'sum(increase(http_requests_total{service="checkout"}[5m]))'
    latency = budget_queries(SAMPLES["search-latency-28d"][0], 300)
    inf = ('sum(increase(http_server_duration_milliseconds_bucket{service="search", '
           'le="+Inf"}[5m]))')
    assert latency.total == inf
    assert latency.failed == (
        f'{inf} - (sum(increase(http_server_duration_milliseconds_bucket{{service="search", '
        f'le=~"300|300\\\\.0"}}[5m])) or vector(0))')
    for query in (availability.failed, latency.failed):
        promql.parse(query)
