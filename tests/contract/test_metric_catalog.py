"""The MetricCatalog contract on the Prometheus adapter (a real Prometheus holding request
counters in two conventions) and on its in-memory fake (tests/fakes_metric_catalog.py),
fed the same series."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_catalog import PrometheusMetricCatalog
from slo_engine.application.sli_ports import MetricCatalog, MetricSelector
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.fakes_edge_telemetry import CounterSeries
from tests.fakes_metric_catalog import InMemoryMetricCatalog, raw_series
from tests.prometheus_history import prometheus_holding
from tests.telemetry_history import END

HOUR = 3600
CLASSIC = "http_requests_total"
SEMCONV = "http_server_request_duration_seconds"


def counter(metric: str, rate: float, **labels: str) -> CounterSeries:
    """Sampled every minute for two hours up to END, from 1,000, `rate` a second."""
    return CounterSeries(metric, labels, [(t, 1000 + rate * (t - END + 2 * HOUR))
                                          for t in range(END - 2 * HOUR, END + 1, 60)])


SERIES = [
    counter(CLASSIC, 2, service="checkout", code="200"),
    counter(CLASSIC, 0.25, service="checkout", code="500"),
    counter(CLASSIC, 1, service="cart"),
    counter(f"{SEMCONV}_count", 1, service_name="checkout", http_response_status_code="200"),
    counter(f"{SEMCONV}_bucket", 0.5, service_name="checkout", le="0.25"),
    counter(f"{SEMCONV}_bucket", 1, service_name="checkout", le="+Inf"),
]


def write_series(path: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for one in sorted(SERIES, key=lambda s: (s.metric, s.name())):
            out.writelines(f"{one.name()} {v!r} {t}\n" for t, v in one.points)
        out.write("# EOF\n")


def in_memory(**options: object) -> InMemoryMetricCatalog:
    return InMemoryMetricCatalog([raw_series(s.metric, s.points, **s.labels) for s in SERIES],
                                 **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def catalog_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("metric-catalog")
    write_series(str(directory / "catalog.om"))
    with prometheus_holding([directory / "catalog.om"], directory / "data") as server:
        yield server


@pytest.fixture(params=["prometheus", "memory"])
async def catalogs(request: pytest.FixtureRequest) -> AsyncIterator[
        tuple[MetricCatalog, MetricCatalog]]:
    """The catalog, and the same catalog answering at most one value per label."""
    if request.param == "memory":
        yield in_memory(), in_memory(max_label_values=1)
        return
    server: ServerProcess = request.getfixturevalue("catalog_prometheus")
    telemetry = PrometheusTelemetry(server.url, retry_delays_s=())
    yield PrometheusMetricCatalog(telemetry), PrometheusMetricCatalog(telemetry, 1)
    await telemetry.close()


async def test_only_the_names_asked_for_that_hold_series_are_present(
        catalogs: tuple[MetricCatalog, MetricCatalog]) -> None:
    catalog = catalogs[0]
    assert await catalog.present_metrics(
        [CLASSIC, "grpc_server_handled_total", f"{SEMCONV}_count"], HOUR, END) == {
        CLASSIC, f"{SEMCONV}_count"}
    assert await catalog.present_metrics([], HOUR, END) == set()


async def test_label_values_are_sorted_and_cut_at_the_limit_flagged_truncated(
        catalogs: tuple[MetricCatalog, MetricCatalog]) -> None:
    full, limited = catalogs
    found = await full.label_values("service", CLASSIC, HOUR, END)
    assert (found.values, found.truncated) == (("cart", "checkout"), False)
    cut = await limited.label_values("service", CLASSIC, HOUR, END)
    assert (cut.values, cut.truncated) == (("cart",), True)


async def test_series_are_counted_per_group_an_absent_label_grouping_as_empty(
        catalogs: tuple[MetricCatalog, MetricCatalog]) -> None:
    counts = await catalogs[0].series_counts(MetricSelector(CLASSIC), ("service", "code"),
                                             HOUR, END)
    assert counts == {("cart", ""): [1.0], ("checkout", "200"): [1.0],
                      ("checkout", "500"): [1.0]}


async def test_negative_and_regex_matchers_select_as_promql_does(
        catalogs: tuple[MetricCatalog, MetricCatalog]) -> None:
    good = MetricSelector(CLASSIC, (("service", "checkout"),), (("code", "!~", "5.."),))
    assert await catalogs[0].series_counts(good, ("code",), HOUR, END) == {("200",): [1.0]}
    anywhere = MetricSelector(CLASSIC, (), (("service", "=~", "ca.*"), ("code", "!=", "")))
    assert await catalogs[0].series_counts(anywhere, ("service",), HOUR, END) == {}


async def test_increases_sum_each_group_in_each_slice_of_the_window(
        catalogs: tuple[MetricCatalog, MetricCatalog]) -> None:
    found = await catalogs[0].increases(MetricSelector(CLASSIC), ("service", "code"),
                                        HOUR // 2, END, 2)
    assert found == {("cart", ""): [1800.0, 1800.0], ("checkout", "200"): [3600.0, 3600.0],
                     ("checkout", "500"): [450.0, 450.0]}
    buckets = await catalogs[0].increases(
        MetricSelector(f"{SEMCONV}_bucket", (("service_name", "checkout"),)), ("le",),
        HOUR, END, 1)
    assert buckets == {("+Inf",): [3600.0], ("0.25",): [1800.0]}


async def test_history_that_was_backfilled_rather_than_scraped_has_no_metadata(
        catalogs: tuple[MetricCatalog, MetricCatalog]) -> None:
    assert await catalogs[0].metric_types([CLASSIC, "http_requests"]) == {}


async def test_a_store_that_does_not_answer_is_unavailable() -> None:
    telemetry = PrometheusTelemetry(f"http://127.0.0.1:{free_port()}", retry_delays_s=())
    for catalog in (in_memory(unavailable=True), PrometheusMetricCatalog(telemetry)):
        with pytest.raises(DependencyUnavailable, match="metrics store"):
            await catalog.present_metrics([CLASSIC], HOUR, END)
        with pytest.raises(DependencyUnavailable, match="metrics store"):
            await catalog.increases(MetricSelector(CLASSIC), ("service",), HOUR, END, 1)
    await telemetry.close()
