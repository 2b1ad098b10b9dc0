"""The RawSamples contract on the Prometheus adapter (a real Prometheus holding a few
counters backfilled as OpenMetrics, read in two-hour chunks so every read crosses chunk
edges) and on its in-memory fake (tests/fakes_raw_samples.py) holding the same series."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_samples import PrometheusRawSamples, sample_chunks
from slo_engine.application.telemetry_ports import RawSamples
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.prometheus_rate import RawSeries
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.fakes_raw_samples import InMemoryRawSamples, regular
from tests.prometheus_history import prometheus_holding
from tests.promtool_series import write_openmetrics

ORIGIN = 1_767_225_600  # 2026-01-01T00:00:00Z
MINUTES = 2 * 24 * 60 + 1  # two days of one-minute samples
RESET = 1_000  # the failed counter restarts from 0 at this sample


def _values(name: str) -> list[float]:
    if name == "500":
        return [float(k % RESET) for k in range(MINUTES)]
    return [10.0 * k for k in range(MINUTES)]


SERIES = [regular({"__name__": "http_requests_total", "code": code, "service": service},
                  ORIGIN, 60, _values(code))
          for code, service in [("200", "checkout"), ("500", "checkout"), ("200", "search")]]


def _openmetrics_name(series: RawSeries) -> str:
    labels = ",".join(f'{k}="{v}"' for k, v in sorted(series.labels.items())
                      if k != "__name__")
    return f"{series.labels['__name__']}{{{labels}}}"


@pytest.fixture(scope="module")
def counters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory: Path = tmp_path_factory.mktemp("raw-samples")
    write_openmetrics([{_openmetrics_name(s): [
        (int(t) // 1000, float(v)) for t, v in zip(s.stamps_ms, s.values, strict=True)]
        for s in SERIES}], directory / "counters.om")
    with prometheus_holding([directory / "counters.om"], directory / "data") as server:
        yield server


@pytest.fixture(params=["prometheus", "memory"])
async def samples(request: pytest.FixtureRequest) -> AsyncIterator[RawSamples]:
    if request.param == "memory":
        yield InMemoryRawSamples(SERIES)
        return
    server: ServerProcess = request.getfixturevalue("counters")
    telemetry = PrometheusTelemetry(server.url, retry_delays_s=())
    yield PrometheusRawSamples(telemetry, chunk_s=7_200)
    await telemetry.close()


def _described(found: list[RawSeries]) -> list[tuple[str, str, int, float, float]]:
    return [(s.labels["code"], s.labels["service"], s.stamps_ms.size, float(s.values[0]),
             float(s.values[-1])) for s in found]


async def test_a_selector_reads_every_matching_series_with_its_samples_in_the_range(
        samples: RawSamples) -> None:
    found = await samples.raw_series('http_requests_total{service="checkout"}',
                                     ORIGIN + 600, ORIGIN + 1_200)
    assert _described(found) == [("200", "checkout", 11, 100.0, 200.0),
                                 ("500", "checkout", 11, 10.0, 20.0)]
    assert found[0].stamps_ms.tolist() == [(ORIGIN + 600 + 60 * k) * 1000 for k in range(11)]
    assert found[0].labels["__name__"] == "http_requests_total"


async def test_regex_matchers_select_by_their_anchored_pattern(samples: RawSamples) -> None:
    found = await samples.raw_series('http_requests_total{code=~"5..", service="checkout"}',
                                     ORIGIN, ORIGIN + 120)
    assert _described(found) == [("500", "checkout", 3, 0.0, 2.0)]
    assert await samples.raw_series('http_requests_total{code=~"5"}', ORIGIN,
                                    ORIGIN + 120) == []


async def test_a_selector_matching_nothing_reads_no_series(samples: RawSamples) -> None:
    assert await samples.raw_series('http_requests_total{service="nobody"}', ORIGIN,
                                    ORIGIN + 86_400) == []


async def test_two_days_come_back_whole_in_order_without_a_sample_twice_across_a_reset(
        samples: RawSamples) -> None:
    (found,) = await samples.raw_series('http_requests_total{code="500"}', ORIGIN,
                                        ORIGIN + 2 * 86_400)
    assert found.stamps_ms.tolist() == SERIES[1].stamps_ms.tolist()
    assert found.values.tolist() == SERIES[1].values.tolist()
    assert int(found.resets_before[-1]) == 2


async def test_a_range_before_any_sample_reads_no_series(samples: RawSamples) -> None:
    assert await samples.raw_series("http_requests_total", ORIGIN - 7_200,
                                    ORIGIN - 60) == []


@pytest.fixture(params=["prometheus", "memory"])
async def silent(request: pytest.FixtureRequest) -> AsyncIterator[RawSamples]:
    """A store that does not answer."""
    if request.param == "memory":
        yield InMemoryRawSamples(SERIES, unavailable=True)
        return
    telemetry = PrometheusTelemetry(f"http://127.0.0.1:{free_port()}", retry_delays_s=())
    yield PrometheusRawSamples(telemetry)
    await telemetry.close()


async def test_a_store_that_does_not_answer_is_unavailable(silent: RawSamples) -> None:
    with pytest.raises(DependencyUnavailable, match="metrics store"):
        await silent.raw_series("http_requests_total", ORIGIN, ORIGIN + 86_400)


def test_chunks_cover_the_range_end_to_end() -> None:
    assert sample_chunks(0, 20_000, 7_200) == [(0, 7_200), (7_200, 14_400), (14_400, 20_000)]
    assert sample_chunks(5, 5, 7_200) == [(5, 5)]
    assert sample_chunks(0, 7_200, 7_200) == [(0, 7_200)]
