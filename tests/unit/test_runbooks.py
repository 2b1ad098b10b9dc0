"""Runbooks per alert: triggers with their numbers, the PromQL to run, dependencies and
drift from the context, mitigation, escaping in YAML, PromQL and Markdown, the schema,
and golden files."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import slo_engine.generators
from slo_engine.domain.promql_text import string_literal
from slo_engine.generators.alert_rules import AlertOptions
from slo_engine.generators.runbook_context import DependencyStatus, DriftNote, RunbookContext
from slo_engine.generators.runbook_markdown import code_block, markdown_text
from slo_engine.generators.runbooks import Runbook, runbooks
from slo_engine.generators.slo_spec import SloSpec
from slo_engine.policy.loader import load_alert_windows
from tests.golden import Golden
from tests.rule_samples import SAMPLES

WINDOWS = load_alert_windows()
SCHEMA = json.loads((Path(slo_engine.generators.__file__).parent / "schemas" /
                     "runbook.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CONTEXT = RunbookContext(
    dependencies=(DependencyStatus("payments", "hard", 0.9995, 0.9991),
                  DependencyStatus("ledger", "hard", None, None),
                  DependencyStatus("fraud-scoring", "hard", 0.999, None),
                  DependencyStatus("recommendations", "soft", 0.99, 0.995)),
    drift_events=(DriftNote("2025-05-01T09:30:00Z", "error ratio rose from 0.05% to 0.4%"),
                  DriftNote("2025-05-03T10:00:00Z", "traffic doubled after a release")))
CHECKOUT = SAMPLES["checkout-availability-30d"][0]


def _runbooks(spec: SloSpec, context: RunbookContext = CONTEXT) -> dict[str, Runbook]:
    return {r.key: r for r in runbooks(spec, WINDOWS[spec.period_days], context)}


def _step(runbook: Runbook, title: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [s for s in runbook.document["steps"] if s["title"] == title]
    (step,) = steps
    return step


def test_one_runbook_per_alert_named_from_service_sli_and_alert() -> None:
    found = _runbooks(CHECKOUT)
    assert {key: r.document["name"] for key, r in found.items()} == {
        "availability-page-burn": "checkout-availability-page-burn",
        "availability-ticket-burn": "checkout-availability-ticket-burn",
        "availability-absent-data": "checkout-availability-absent-data"}
    assert [(r.document["alert"]["name"], r.document["alert"]["severity"])
            for r in found.values()] == [("SLOErrorBudgetBurn", "page"),
                                         ("SLOErrorBudgetBurn", "ticket"),
                                         ("SLOMetricAbsent", "page")]


def test_the_page_triggers_state_both_pairs_with_their_numbers() -> None:
    page = _runbooks(CHECKOUT)["availability-page-burn"].document
    assert page["triggers"] == [
        {"summary": "The share of failed requests exceeded 14.4x the error budget (1.44%) over "
                    "both 1h and 5m, with at least 20 requests in 1h: 2% of the 30d budget "
                    "spent in 1h. At this rate the whole budget lasts 50h.",
         "long_window": "1h", "short_window": "5m", "burn_rate": 14.4,
         "error_ratio_threshold": 0.0144, "budget_share": 0.02, "min_events": 20},
        {"summary": "The share of failed requests exceeded 6x the error budget (0.6%) over "
                    "both 6h and 30m, with at least 20 requests in 6h: 5% of the 30d budget "
                    "spent in 6h. At this rate the whole budget lasts 5d.",
         "long_window": "6h", "short_window": "30m", "burn_rate": 6.0,
         "error_ratio_threshold": 0.006, "budget_share": 0.05, "min_events": 20}]


def test_the_minimum_events_in_the_triggers_follow_the_alert_options() -> None:
    (ticket,) = [r for r in runbooks(CHECKOUT, WINDOWS[30], CONTEXT, AlertOptions(5))
                 if r.key == "availability-ticket-burn"]
    assert [t["min_events"] for t in ticket.document["triggers"]] == [5, 5]
    assert "with at least 5 requests in 1d" in ticket.document["triggers"][0]["summary"]


def test_the_absent_trigger_names_the_selector_and_the_wait() -> None:
    absent = _runbooks(CHECKOUT)["availability-absent-data"].document
    assert absent["triggers"] == [{
        "summary": 'No series matched http_requests_total{service="checkout"} for 1m (as long '
                   "as a full outage takes to page): the SLI, its burn-rate alerts and its "
                   "error budget are blind until it returns.",
        "for": "1m", "promql": 'absent(http_requests_total{service="checkout"})'}]


def test_the_diagnosis_runs_the_recorded_series_and_the_counters_of_this_sli() -> None:
    page = _runbooks(CHECKOUT)["availability-page-burn"]
    ids = 'sloth_id="checkout-availability", sloth_service="checkout", sloth_slo="availability"'
    assert [q["promql"] for q in _step(page, "See which window pair fires")["queries"]] == [
        f"slo:sli_error:ratio_rate{w}{{{ids}}}" for w in ("1h", "5m", "6h", "30m")]
    assert [q["promql"] for q in _step(page, "Look at the requests behind the ratio")[
        "queries"]] == [
        'sum(rate(http_requests_total{service="checkout", code=~"5.."}[5m]))',
        'sum by (code) (rate(http_requests_total{service="checkout", code=~"5.."}[5m]))',
        'sum(rate(http_requests_total{service="checkout"}[5m]))']
    assert [q["promql"] for q in _step(page, "Check the error budget left")["queries"]] == [
        f"slo:period_error_budget_remaining:ratio{{{ids}}}",
        f"slo:period_burn_rate:ratio{{{ids}}}", f"slo:sli_error:ratio_rate30d{{{ids}}}"]


def test_a_latency_runbook_counts_requests_within_the_judged_bucket() -> None:
    (spec,) = SAMPLES["search-latency-28d"]
    page = _runbooks(spec)["latency-p99-page-burn"]
    assert page.document["triggers"][0]["summary"].startswith(
        "The share of requests slower than 300 ms exceeded 13.44x the error budget (13.44%)")
    assert _step(page, "Look at the requests behind the ratio")["queries"][0] == {
        "description": "Requests within 300 ms per second",
        "promql": 'sum(rate(http_server_duration_milliseconds_bucket{service="search", '
                  'le=~"300|300\\\\.0"}[5m]))'}
    assert page.document["slo"]["objective"] == "99% of requests within 300 ms over 28d"


def test_hard_dependencies_come_with_their_slo_status_and_firing_alerts() -> None:
    step = _step(_runbooks(CHECKOUT)["availability-page-burn"], "Check the hard dependencies")
    assert [(d["service_id"], d["criticality"], d["status"]) for d in step["dependencies"]] == [
        ("payments", "hard", "below its objective"), ("ledger", "hard", "no active SLO"),
        ("fraud-scoring", "hard", "no observed availability"),
        ("recommendations", "soft", "meeting its objective")]
    assert step["queries"][0] == {
        "description": "Burn alerts firing for payments",
        "promql": 'ALERTS{alertname="SLOErrorBudgetBurn", alertstate="firing", '
                  'sloth_service="payments"}'}
    assert len(step["queries"]) == 3
    assert step["detail"].startswith("3 hard dependencies: a failing one fails")
    assert step["detail"].endswith("1 soft dependency should degrade requests, not fail them: "
                                   "suspect one only if its fallback is broken.")


def test_a_service_without_dependencies_or_drift_says_so() -> None:
    page = _runbooks(CHECKOUT, RunbookContext())["availability-page-burn"]
    assert _step(page, "Check the hard dependencies") == {
        "title": "Check the hard dependencies",
        "detail": "The graph lists no hard dependency of this service: the errors are its own.",
        "dependencies": []}
    assert _step(page, "Look at recent drift")["events"] == []


def test_drift_events_are_listed_newest_first() -> None:
    step = _step(_runbooks(CHECKOUT)["availability-ticket-burn"], "Look at recent drift")
    assert [e["when"] for e in step["events"]] == ["2025-05-03T10:00:00Z",
                                                   "2025-05-01T09:30:00Z"]


def test_mitigation_differs_between_page_ticket_and_absent_data() -> None:
    found = _runbooks(CHECKOUT)
    assert {key: [m["title"] for m in r.document["mitigation"]] for key, r in found.items()} == {
        "availability-page-burn": ["Undo the latest change",
                                   "Escalate to a burning hard dependency",
                                   "Contain the blast radius", "Confirm recovery"],
        "availability-ticket-burn": ["Find the steady cause",
                                     "Escalate to a burning hard dependency",
                                     "Contain the blast radius",
                                     "Plan the fix within the budget"],
        "availability-absent-data": ["Restore the telemetry", "Follow a rename",
                                     "Watch the service another way meanwhile"]}
    assert "(the budget lasts 10d at 3x)" in found["availability-ticket-burn"].document[
        "mitigation"][0]["detail"]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_runbook_passes_its_schema(name: str) -> None:
    for spec in SAMPLES[name]:
        for runbook in _runbooks(spec).values():
            assert list(VALIDATOR.iter_errors(yaml.safe_load(runbook.yaml))) == []


@pytest.mark.parametrize("field", ["name", "triggers", "steps", "mitigation"])
def test_a_runbook_without_a_required_field_fails_the_schema(field: str) -> None:
    broken = copy.deepcopy(_runbooks(CHECKOUT)["availability-page-burn"].document)
    del broken[field]
    assert [e.message for e in VALIDATOR.iter_errors(broken)] == [
        f"'{field}' is a required property"]


def test_a_runbook_with_no_mitigation_or_a_bad_name_fails_the_schema() -> None:
    broken = copy.deepcopy(_runbooks(CHECKOUT)["availability-page-burn"].document)
    broken["mitigation"] = []
    broken["name"] = "Checkout page"
    assert sorted(e.message for e in VALIDATOR.iter_errors(broken)) == [
        "'Checkout page' does not match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'",
        "[] should be non-empty"]


def test_hostile_names_are_escaped_in_promql_and_survive_yaml() -> None:
    (spec,) = SAMPLES["hostile-names"]
    hostile = RunbookContext((DependencyStatus('le"dger\n', "hard", 0.999, 0.99),),
                             (DriftNote("2025-05-03T10:00:00Z", "<script>x</script> | *bold*"),))
    page = _runbooks(spec, hostile)["availability-page-burn"]
    document = yaml.safe_load(page.yaml)
    assert document == page.document
    assert document["service"] == {"id": 'pay"ments\\api', "team": 'team {{ .Evil }} "x"\nnext'}
    alerts = _step(page, "Check the hard dependencies")["queries"][0]["promql"]
    dependency = string_literal(hostile.dependencies[0].service_id)
    assert alerts == ('ALERTS{alertname="SLOErrorBudgetBurn", alertstate="firing", '
                      f"sloth_service={dependency}}}")
    assert alerts.endswith('sloth_service="le\\"dger\\n"}')
    counters = _step(page, "Look at the requests behind the ratio")["queries"][2]["promql"]
    assert counters == ('sum(rate(http_requests_total{service="pay\\"ments\\\\api", '
                        'cluster="eu\\"west"}[5m]))')


def test_hostile_text_cannot_open_markup_in_the_markdown() -> None:
    (spec,) = SAMPLES["hostile-names"]
    hostile = RunbookContext((), (DriftNote("2025-05-03T10:00:00Z",
                                            "<script>x</script> | *bold* [a](b)\n# head"),))
    markdown = _runbooks(spec, hostile)["availability-page-burn"].markdown
    assert ("- 2025-05-03T10:00:00Z: \\<script\\>x\\</script\\> \\| \\*bold\\* \\[a\\](b) "
            "\\# head") in markdown
    assert "<script>" not in markdown
    assert markdown.startswith("# pay\"ments\\\\api: availability error budget burning fast "
                               "(page)\n")


def test_text_and_code_are_escaped_for_markdown() -> None:
    assert markdown_text("a_b *c* <d>\nnext") == "a\\_b \\*c\\* \\<d\\> next"
    assert code_block('x{a="```"}', "promql") == '````promql\nx{a="```"}\n````'


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_runbooks_equal_their_golden_files(name: str, golden: Golden) -> None:
    for spec in SAMPLES[name]:
        for runbook in _runbooks(spec).values():
            golden.check_text(Path("runbooks") / name / f"{runbook.key}.yaml", runbook.yaml)
            golden.check_text(Path("runbooks") / name / f"{runbook.key}.md", runbook.markdown)


def test_a_dependency_at_its_objective_meets_it() -> None:
    assert DependencyStatus("a", "hard", 0.999, 0.999).status == "meeting its objective"
    assert DependencyStatus("a", "hard", 0.999, 0.998).status == "below its objective"
