"""OpenSLO v1 documents: names, targets, queries, what cannot be expressed, escaping, the
schema written from the spec, and golden files."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import slo_engine.generators
from slo_engine.generators.openslo import openslo_documents, openslo_duration, openslo_export
from slo_engine.generators.rule_formats import object_name
from slo_engine.generators.rule_pipeline import InvalidSloSpec
from slo_engine.policy.loader import load_alert_windows
from tests.golden import Golden
from tests.rule_samples import SAMPLES

WINDOWS = load_alert_windows()
SCHEMA = json.loads((Path(slo_engine.generators.__file__).parent / "schemas" /
                     "openslo-v1.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CHECKOUT = SAMPLES["checkout-availability-30d"]


def _documents(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load_all(openslo_documents(SAMPLES[name], WINDOWS)))


def _by_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in documents if d["kind"] == kind]


def _errors(document: dict[str, Any]) -> list[str]:
    return sorted(error.message for error in VALIDATOR.iter_errors(document))


def test_the_schema_is_valid_json_schema_and_cites_the_spec_commit() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert "aa5cb78d7044bbd8ab4915ea0af0d988f4db8a59" in SCHEMA["description"]
    assert "cd21b0682d77be07ec2c7e9aa7d9e76d930d2c6c" in SCHEMA["description"]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_generated_document_passes_the_schema(name: str) -> None:
    assert {d["metadata"]["name"]: _errors(d) for d in _documents(name)} == {
        d["metadata"]["name"]: [] for d in _documents(name)}


def test_the_documents_are_a_service_targets_then_an_slo_with_its_conditions_and_policies(
        ) -> None:
    assert [(d["kind"], d["metadata"]["name"]) for d in _documents(
        "checkout-availability-30d")] == [
        ("Service", "checkout"),
        ("AlertNotificationTarget", "slo-engine-page"),
        ("AlertNotificationTarget", "slo-engine-ticket"),
        ("SLO", "checkout-availability"),
        ("AlertCondition", "checkout-availability-page-1h"),
        ("AlertPolicy", "checkout-availability-page-1h"),
        ("AlertCondition", "checkout-availability-page-6h"),
        ("AlertPolicy", "checkout-availability-page-6h"),
        ("AlertCondition", "checkout-availability-ticket-1d"),
        ("AlertPolicy", "checkout-availability-ticket-1d"),
        ("AlertCondition", "checkout-availability-ticket-3d"),
        ("AlertPolicy", "checkout-availability-ticket-3d")]


def test_availability_is_a_bad_over_total_ratio_of_prometheus_counters() -> None:
    (slo,) = _by_kind(_documents("checkout-availability-30d"), "SLO")
    spec = slo["spec"]
    assert spec["indicator"]["spec"] == {"ratioMetric": {
        "counter": True,
        "bad": {"metricSource": {"type": "Prometheus", "spec": {
            "query": 'sum(http_requests_total{service="checkout", code=~"5.."})'}}},
        "total": {"metricSource": {"type": "Prometheus", "spec": {
            "query": 'sum(http_requests_total{service="checkout"})'}}}}}
    assert spec["timeWindow"] == [{"duration": "30d", "isRolling": True}]
    assert spec["budgetingMethod"] == "Occurrences"
    assert spec["objectives"] == [{"displayName": "99.9% of requests succeed",
                                   "target": 0.999}]
    assert spec["service"] == "checkout"
    assert slo["metadata"]["annotations"]["slo-engine/team"] == "payments"


def test_latency_is_a_good_over_total_ratio_at_the_le_bucket_over_28_days() -> None:
    (slo,) = _by_kind(_documents("search-latency-28d"), "SLO")
    ratio = slo["spec"]["indicator"]["spec"]["ratioMetric"]
    assert ratio["good"]["metricSource"]["spec"]["query"] == (
        'sum(http_server_duration_milliseconds_bucket{service="search", le=~"300|300\\\\.0"})')
    assert ratio["total"]["metricSource"]["spec"]["query"] == (
        'sum(http_server_duration_milliseconds_bucket{service="search", le="+Inf"})')
    assert "bad" not in ratio
    assert slo["spec"]["timeWindow"] == [{"duration": "28d", "isRolling": True}]
    assert slo["spec"]["objectives"] == [{"displayName": "99% of requests within 300 ms",
                                          "target": 0.99}]


def test_each_window_pair_is_a_burnrate_condition_on_its_long_window() -> None:
    documents = _documents("search-latency-28d")
    conditions = {d["metadata"]["name"]: d["spec"] for d in _by_kind(documents,
                                                                      "AlertCondition")}
    assert conditions["search-latency-p99-page-1h"] == {
        "description": "Page when the latency-p99 burn rate of search over 1h exceeds 13.44 "
                       "(2% of the 28d budget in 1h)",
        "severity": "page",
        "condition": {"kind": "burnrate", "op": "gt", "threshold": 13.44,
                      "lookbackWindow": "1h", "alertAfter": "1m"}}
    assert [(c["severity"], c["condition"]["threshold"], c["condition"]["lookbackWindow"])
            for c in conditions.values()] == [
        ("page", 13.44, "1h"), ("page", 5.6, "6h"), ("ticket", 2.8, "1d"),
        ("ticket", 0.933333, "3d")]


def test_only_the_fastest_page_policy_alerts_on_missing_data() -> None:
    policies = _by_kind(_documents("checkout-availability-30d"), "AlertPolicy")
    assert [(p["metadata"]["name"], p["spec"]["alertWhenNoData"]) for p in policies] == [
        ("checkout-availability-page-1h", True), ("checkout-availability-page-6h", False),
        ("checkout-availability-ticket-1d", False), ("checkout-availability-ticket-3d", False)]
    assert policies[0]["spec"]["conditions"] == [{"conditionRef":
                                                  "checkout-availability-page-1h"}]
    assert policies[0]["spec"]["notificationTargets"] == [{"targetRef": "slo-engine-page"}]
    assert policies[2]["spec"]["notificationTargets"] == [{"targetRef": "slo-engine-ticket"}]


def test_the_slo_refers_to_every_policy_by_name() -> None:
    documents = _documents("checkout-availability-30d")
    (slo,) = _by_kind(documents, "SLO")
    assert [p["alertPolicyRef"] for p in slo["spec"]["alertPolicies"]] == [
        p["metadata"]["name"] for p in _by_kind(documents, "AlertPolicy")]


def test_what_openslo_cannot_express_is_returned_and_written_in_the_header() -> None:
    export = openslo_export(CHECKOUT, WINDOWS)
    assert export.notes == (
        "checkout-availability: the multiwindow AND. A burnrate condition reads one "
        "lookbackWindow, so each pair keeps its long window only (page 14.4x over 1h, 6x "
        "over 6h; ticket 3x over 1d, 1x over 3d); the short windows (5m, 30m, 2h, 6h), which "
        "end an alert soon after the burn stops, are lost, and alertAfter 1m stands in for "
        "the rules firing at once.",
        "checkout-availability: the minimum-traffic guard. OpenSLO has no minimum number of "
        "events, so a consumer may alert on 1 bad request in 2; the rules need at least 20 "
        "requests in a pair's long window.",
        "checkout-availability: the absent-data alert. Only alertWhenNoData on the policy "
        "checkout-availability-page-1h; neither what it watches "
        '(absent(http_requests_total{service="checkout"})) nor its wait of 1m (as long as a '
        "full outage takes to page) can be stated.")
    assert _header_notes(export.text) == export.notes


def _header_notes(text: str) -> tuple[str, ...]:
    """The notes as the header states them, each wrapped line joined back."""
    lines = [line.removeprefix("# ") for line in text.split("---\n", 1)[0].splitlines()]
    start = lines.index("What OpenSLO v1 cannot express (the Prometheus rules do):") + 1
    notes: list[str] = []
    for line in lines[start:]:
        if line.startswith("- "):
            notes.append(line[2:])
        else:
            notes[-1] += " " + line.strip()
    return tuple(notes)


def test_a_latency_threshold_between_buckets_is_noted() -> None:
    (spec,) = SAMPLES["search-latency-28d"]
    assert spec.latency is not None
    between = replace(spec, latency=replace(spec.latency, threshold_seconds=0.2))
    notes = openslo_export([between], WINDOWS).notes
    assert notes[-1] == ("search-latency-p99: latency-p99: the threshold 200 falls between "
                         "buckets; the SLI judges it at le=250")


def test_hostile_names_are_escaped_in_promql_and_hashed_into_dns_names() -> None:
    documents = _documents("hostile-names")
    (service,) = _by_kind(documents, "Service")
    (slo,) = _by_kind(documents, "SLO")
    digest = object_name('pay"ments\\api').rsplit("-", 1)[1]
    assert service["metadata"]["name"] == f"pay-ments-api-{digest}"
    assert slo["metadata"]["name"] == f"pay-ments-api-{digest}-availability"
    assert slo["spec"]["service"] == f"pay-ments-api-{digest}"
    assert service["metadata"]["annotations"] == {
        "slo-engine/service-id": 'pay"ments\\api',
        "slo-engine/team": 'team {{ .Evil }} "x"\nnext'}
    total = slo["spec"]["indicator"]["spec"]["ratioMetric"]["total"]
    assert total["metricSource"]["spec"]["query"] == (
        'sum(http_requests_total{service="pay\\"ments\\\\api", cluster="eu\\"west"})')


def test_names_of_services_that_lose_characters_stay_apart() -> None:
    assert object_name("checkout", "availability") == "checkout-availability"
    assert object_name("pay.ments") != object_name("pay-ments") == "pay-ments"
    long_name = object_name("s" * 80, "latency-p99", "ticket", "3d")
    assert len(long_name) == 63
    assert long_name.endswith("-latency-p99-ticket-3d")


def test_a_line_break_in_a_name_cannot_end_the_header_comment() -> None:
    (spec,) = SAMPLES["hostile-names"]
    text = openslo_documents([replace(spec, slo_id="x\u2028y\nz")], WINDOWS)
    head = text.split("---\n", 1)[0]
    assert all(line.startswith("#") for line in head.splitlines())
    assert len(list(yaml.safe_load_all(text))) == 12


def test_services_appear_once_and_targets_once_for_many_slis() -> None:
    documents = _documents("quiet-admin-99")
    assert [d["metadata"]["name"] for d in documents
            if d["kind"] in ("Service", "AlertNotificationTarget", "SLO")] == [
        "admin-console", "slo-engine-page", "slo-engine-ticket",
        "admin-console-availability", "admin-console-latency-p95"]


def test_durations_openslo_cannot_state_are_refused() -> None:
    assert [openslo_duration(s) for s in (300, 3_600, 2_419_200)] == ["5m", "1h", "28d"]
    with pytest.raises(ValueError, match="not a whole number of minutes"):
        openslo_duration(90)


def test_a_period_without_alert_windows_is_refused_by_name() -> None:
    with pytest.raises(InvalidSloSpec, match="no alert windows for a 7-day period"):
        openslo_documents([replace(CHECKOUT[0], period_days=7)], WINDOWS)


@pytest.mark.parametrize(("path", "value", "message"), [
    (("metadata", "name"), "Checkout_SLO", "does not match"),
    (("spec", "objectives", 0, "target"), 1.0, "greater than or equal to the maximum"),
    (("spec", "timeWindow", 0, "duration"), "30 days", "does not match"),
    (("spec", "budgetingMethod"), "Averaged", "is not one of"),
    (("spec", "unknownField"), True, "Additional properties are not allowed"),
])
def test_a_broken_slo_fails_the_schema(path: tuple[str | int, ...], value: object,
                                       message: str) -> None:
    (slo,) = _by_kind(_documents("checkout-availability-30d"), "SLO")
    broken = copy.deepcopy(slo)
    target: Any = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert any(message in error for error in _all_errors(broken))


def _all_errors(document: dict[str, Any]) -> list[str]:
    """Messages of every error, the nested ones under if/then included."""
    found: list[str] = []
    for error in VALIDATOR.iter_errors(document):
        found.extend(e.message for e in [error, *_descendants(error)])
    return found


def _descendants(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    return [d for child in error.context or [] for d in (child, *_descendants(child))]


def test_a_policy_with_two_conditions_or_no_target_fails_the_schema() -> None:
    policy = _by_kind(_documents("checkout-availability-30d"), "AlertPolicy")[0]
    two = copy.deepcopy(policy)
    two["spec"]["conditions"].append({"conditionRef": "other"})
    no_target = copy.deepcopy(policy)
    no_target["spec"]["notificationTargets"] = []
    assert any("is too long" in e for e in _all_errors(two))
    assert any("should be non-empty" in e for e in _all_errors(no_target))


def test_an_indicator_with_good_and_bad_fails_the_schema() -> None:
    (slo,) = _by_kind(_documents("checkout-availability-30d"), "SLO")
    broken = copy.deepcopy(slo)
    ratio = broken["spec"]["indicator"]["spec"]["ratioMetric"]
    ratio["good"] = ratio["bad"]
    assert _errors(broken) != []


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_openslo_documents_equal_their_golden_files(name: str, golden: Golden) -> None:
    golden.check_text(Path("openslo") / f"{name}.yaml",
                      openslo_documents(SAMPLES[name], WINDOWS))
