from __future__ import annotations

from typing import Any

import pytest

from slo_engine.adapters.promql import (
    SliQueries,
    UnsafeQuery,
    escape_label_value,
    selector,
    step_for,
)
from slo_engine.domain.promql_text import duration


def test_default_queries_follow_the_http_conventions() -> None:
    queries = SliQueries()
    assert queries.total_requests("checkout", 300) == (
        'sum(increase(http_requests_total{service="checkout"}[5m]))')
    assert queries.failed_requests("checkout", 3600) == (
        'sum(increase(http_requests_total{service="checkout",code=~"5.."}[1h]))')
    assert queries.latency_buckets("checkout", 86400) == (
        "sum by (le) (increase("
        'http_request_duration_seconds_bucket{service="checkout"}[1d]))')


def test_metric_and_label_names_are_configurable_per_service() -> None:
    queries = SliQueries(requests_metric="grpc_server_handled_total", service_label="job",
                         code_label="grpc_code", error_code_regex="13|14",
                         extra_matchers={"env": "prod"})
    assert queries.failed_requests("payments", 300) == (
        'sum(increase(grpc_server_handled_total{job="payments",env="prod",'
        'grpc_code=~"13|14"}[5m]))')


def test_a_hostile_label_value_stays_inside_its_string() -> None:
    hostile = 'x"} or vector(1) or up{a="'
    built = selector({"service": hostile})
    assert built == '{service="x\\"} or vector(1) or up{a=\\""}'
    assert escape_label_value("back\\slash\nline") == "back\\\\slash\\nline"


@pytest.mark.parametrize("value", [
    "ops@example.com", "4111 1111 1111 1111", "+44 20 7946 0958", "10.2.3.4",
    "client-192.168.0.17", "2001:db8::8a2e:370:7334", "fe80::1",
    "user-3f2b8c1e-9d4a-4b7e-a1c2-5e6f7a8b9c0d"])
def test_label_values_that_look_like_personal_data_are_refused(value: str) -> None:
    with pytest.raises(UnsafeQuery, match="personal data is never sent"):
        selector({"service": value})


@pytest.mark.parametrize("value", [
    "prod", "eu-west-1", "v1.2.3", "checkout:grpc:server", "api-v2.payments", "10.2.3",
    "build-1234567", "cafe:beef"])
def test_ordinary_label_values_are_not_taken_for_personal_data(value: str) -> None:
    assert selector({"env": value}) == f'{{env="{value}"}}'


@pytest.mark.parametrize("bad", [
    {"requests_metric": "http requests"}, {"service_label": "ser-vice"},
    {"error_code_regex": '5..|.*"} or up{'}, {"extra_matchers": {"0env": "prod"}},
])
def test_invalid_names_are_refused_at_configuration(bad: dict[str, Any]) -> None:
    with pytest.raises(UnsafeQuery):
        SliQueries(**bad)


def test_durations_use_the_largest_whole_unit() -> None:
    assert [duration(s) for s in (30, 300, 5400, 3600, 86400 * 7)] == [
        "30s", "5m", "90m", "1h", "7d"]


def test_the_step_keeps_a_range_under_the_point_limit() -> None:
    assert step_for(30 * 86400) == 300          # 8,641 points
    assert step_for(30 * 86400, 60) == 300      # a minute would be 43,201 points
    assert step_for(365 * 86400) == 3600        # 8,761 points
    assert step_for(7 * 86400, 60) == 60


def test_many_services_are_one_grouped_query_with_escaped_names() -> None:
    query = SliQueries().failed_requests_by_service(["svc.a", "svc-b"], 3600)
    assert query == (
        'sum by (service) (increase(http_requests_total{service=~"svc\\\\.a|svc\\\\-b",'
        'code=~"5.."}[1h]))')


def test_fifteen_minute_counts_fit_a_thirty_day_range() -> None:
    assert step_for(30 * 86400, 900) == 900     # 2,881 points


CATALOGUE_IDS = [
    "04940a16b54c3d25fe069d5fa3b209e6897040996c3715a8f684b7dddb1d7ef9",  # SHA-256 digest
    "4915112345678",  # all digits
    "payments.v2:grpc",
    "a" + "9" * 252,  # the longest id ingestion admits
]


@pytest.mark.parametrize("service_id", CATALOGUE_IDS)
def test_catalogue_service_ids_are_escaped_never_refused(service_id: str) -> None:
    queries = SliQueries()
    assert queries.total_requests(service_id, 300) == (
        f'sum(increase(http_requests_total{{service="{service_id}"}}[5m]))')
    escaped = "".join(c if c.isalnum() else "\\\\" + c for c in service_id)
    assert f'service=~"{escaped}"' in queries.total_requests_by_service([service_id], 300)


def test_extra_matchers_that_look_like_personal_data_are_refused_at_configuration() -> None:
    with pytest.raises(UnsafeQuery, match="personal data is never sent"):
        SliQueries(extra_matchers={"owner": "ops@example.com"})


def test_a_services_overrides_replace_only_the_fields_they_name() -> None:
    queries = SliQueries(extra_matchers={"env": "prod"}).overridden_with(
        {"requests_metric": "traces_span_metrics_calls_total", "code_label": "status_code",
         "error_code_regex": "STATUS_CODE_ERROR", "service_label": "service_name"})
    assert queries.failed_requests("cart", 300) == (
        'sum(increase(traces_span_metrics_calls_total{service_name="cart",env="prod",'
        'status_code=~"STATUS_CODE_ERROR"}[5m]))')
    with pytest.raises(UnsafeQuery, match="unknown SLI query field"):
        queries.overridden_with({"code_lable": "code"})
    with pytest.raises(UnsafeQuery, match="duration_unit_seconds must be positive"):
        queries.overridden_with({"duration_unit_seconds": 0})


def test_a_chunk_of_many_services_is_one_matcher_however_long() -> None:
    ids = [f"domain-svc-{k:05d}" for k in range(250)]
    query = SliQueries().total_requests_by_service(ids, 3600)
    assert query.count("domain\\\\-svc\\\\-") == 250
    assert len(query) > 1024


def test_a_services_extra_matchers_add_to_the_fleets() -> None:
    queries = SliQueries(extra_matchers={"env": "prod"}).overridden_with(
        {"extra_matchers": {"cluster": "eu-1"}})
    assert queries.extra_matchers == {"env": "prod", "cluster": "eu-1"}


def test_a_non_ascii_service_name_is_matched_as_it_is() -> None:
    # RE2 refuses an escaped non-ASCII character ("invalid escape sequence"), and needs
    # no escape for one: only ASCII punctuation is escaped.
    query = SliQueries().failed_requests_by_service(["café.api", "naïve"], 3600)
    assert 'service=~"café\\\\.api|naïve"' in query
