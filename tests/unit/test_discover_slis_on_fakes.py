"""SLI discovery over the in-memory metric catalog (it passes the catalog's contract)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from slo_engine.application.discover_slis import DiscoverSlis, SliDiscoveryOptions
from slo_engine.application.sli_ports import LabelValues
from slo_engine.domain.errors import DependencyUnavailable
from tests.fakes_metric_catalog import InMemoryMetricCatalog, raw_series

END = 1_700_000_000 // 3600 * 3600
DAY = 86_400


@dataclass
class FixedClock:
    now_s: int = END

    def now_ms(self) -> int:
        return self.now_s * 1000


def counter(metric: str, per_minute: float, **labels: str):  # type: ignore[no-untyped-def]
    return raw_series(metric, [(t, per_minute * (t - END + DAY) / 60)
                               for t in range(END - DAY, END + 1, 60)], **labels)


SERIES = [
    counter("http_requests_total", 60, service="checkout", code="200"),
    counter("http_requests_total", 6, service="checkout", code="503"),
    counter("http_request_duration_seconds_bucket", 60, service="checkout", le="0.25"),
    counter("http_request_duration_seconds_bucket", 66, service="checkout", le="+Inf"),
    counter("http_server_request_duration_seconds_count", 20, service_name="checkout",
            http_response_status_code="200"),
    counter("grpc_server_handled_total", 30, service="ledger", grpc_code="OK"),
    counter("grpc_server_handled_total", 30, service="ledger", grpc_code="Unavailable"),
    counter("nginx_ingress_controller_requests", 10, exported_service="web"),
    counter("traces_span_metrics_calls_total", 12, service_name="search",
            span_kind="SPAN_KIND_SERVER", status_code="STATUS_CODE_UNSET"),
    counter("traces_span_metrics_calls_total", 50, service_name="search",
            span_kind="SPAN_KIND_CLIENT", status_code="STATUS_CODE_ERROR"),
]


def discover(catalog: InMemoryMetricCatalog | None = None, deadline_s: float = 20.0
             ) -> DiscoverSlis:
    return DiscoverSlis(catalog or InMemoryMetricCatalog(SERIES), FixedClock(),
                        SliDiscoveryOptions(DAY, 4, deadline_s))


async def test_every_service_is_found_under_the_convention_its_metrics_follow() -> None:
    found = await discover().discover()
    assert {s: [c.convention for c in cs] for s, cs in found.candidates.items()} == {
        "checkout": ["prometheus_http", "otel_http_server"],
        "ledger": ["grpc_prometheus"], "search": ["span_metrics"], "web": ["ingress_nginx"]}
    assert found.complete


async def test_a_service_matching_two_conventions_ranks_the_one_with_more_traffic_first(
        ) -> None:
    classic, semconv = (await discover().discover(["checkout"])).candidates["checkout"]
    assert (classic.evidence.requests, semconv.evidence.requests) == (95_040.0, 28_800.0)
    assert classic.evidence.availability_ratio == pytest.approx(60 / 66)
    # No bucket holds 99% (0.25 s holds 91%): the largest finite one is the threshold.
    assert classic.queries.latency_threshold_seconds == 0.25
    assert classic.confidence > semconv.confidence


async def test_grpc_failures_are_the_servers_codes_and_spans_only_server_spans() -> None:
    found = (await discover().discover(["ledger", "search"])).candidates
    assert found["ledger"][0].evidence.availability_ratio == 0.5
    search = found["search"][0]
    assert (search.evidence.series_count, search.evidence.availability_ratio) == (1, 1.0)


async def test_series_missing_the_code_label_are_listed_with_the_reason() -> None:
    [web] = (await discover().discover(["web"])).candidates["web"]
    assert web.evidence.label_coverage == {"status": 0.0}
    assert web.explanations[0] == (
        "1 of 1 series carry no 'status' label: their failures are invisible")


async def test_a_service_no_convention_names_has_no_candidates() -> None:
    assert (await discover().discover(["nobody"])).candidates == {}


@dataclass
class SlowGrpcCatalog(InMemoryMetricCatalog):
    async def label_values(self, label: str, metric: str, window_s: int, end_s: int
                           ) -> LabelValues:
        if metric.startswith("grpc"):
            await asyncio.sleep(5)
        return await super().label_values(label, metric, window_s, end_s)


async def test_conventions_unfinished_at_the_deadline_are_named_and_the_rest_answered(
        ) -> None:
    found = await discover(SlowGrpcCatalog(SERIES), deadline_s=0.5).discover()
    assert found.unfinished == ("grpc_prometheus/job", "grpc_prometheus/service")
    assert not found.complete
    assert sorted(found.candidates) == ["checkout", "search", "web"]


async def test_label_values_cut_at_the_limit_are_flagged_and_still_searched() -> None:
    found = await discover(InMemoryMetricCatalog(SERIES, max_label_values=0)).discover(
        ["checkout"])
    assert [c.convention for c in found.candidates["checkout"]] == [
        "prometheus_http", "otel_http_server"]
    assert "prometheus_http/service" in found.truncated


async def test_a_store_that_does_not_answer_is_unavailable() -> None:
    with pytest.raises(DependencyUnavailable):
        await discover(InMemoryMetricCatalog(SERIES, unavailable=True)).discover()
