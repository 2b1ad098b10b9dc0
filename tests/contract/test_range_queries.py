"""The RangeQueries contract on the Prometheus adapter (a real, empty Prometheus: the
expressions need no series) and on its in-memory fake (tests/fakes_range_queries.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import numpy as np
import pytest

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_range import PrometheusRangeQueries
from slo_engine.application.telemetry_ports import RangeQueries
from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.runtime.processes import ServerProcess, free_port
from slo_engine.runtime.prometheus_server import start_prometheus
from tests.fakes_range_queries import InMemoryRangeQueries, nothing

START = 1_700_000_040  # on the minute
DAY = 86_400
LATER = START + 7_200
CLOCK = "vector(time())"
EMPTY = "vector(1) > 2"
AFTER = f"vector(time()) > {LATER}"
ANSWERS = {CLOCK: lambda t: t.astype(float), EMPTY: nothing,
           AFTER: lambda t: np.where(t > LATER, t, np.nan)}


@pytest.fixture(scope="module")
def empty_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start_prometheus(tmp_path_factory.mktemp("range-queries") / "data")
    yield server
    server.stop()


@pytest.fixture(params=["prometheus", "memory"])
async def queries(request: pytest.FixtureRequest) -> AsyncIterator[RangeQueries]:
    if request.param == "memory":
        yield InMemoryRangeQueries(ANSWERS)
        return
    server: ServerProcess = request.getfixturevalue("empty_prometheus")
    telemetry = PrometheusTelemetry(server.url, retry_delays_s=())
    yield PrometheusRangeQueries(telemetry)
    await telemetry.close()


@pytest.fixture(params=["prometheus", "memory"])
async def silent(request: pytest.FixtureRequest) -> AsyncIterator[RangeQueries]:
    """A store that does not answer."""
    if request.param == "memory":
        yield InMemoryRangeQueries(ANSWERS, unavailable=True)
        return
    telemetry = PrometheusTelemetry(f"http://127.0.0.1:{free_port()}", retry_delays_s=())
    yield PrometheusRangeQueries(telemetry)
    await telemetry.close()


async def test_thirty_days_at_one_minute_come_back_whole_and_in_order(
        queries: RangeQueries) -> None:
    stamps, values = await queries.range_values(CLOCK, START, START + 30 * DAY, 60)
    assert stamps.tolist() == list(range(START, START + 30 * DAY + 1, 60))
    assert stamps.size == 43_201
    assert values.tolist() == stamps.astype(float).tolist()


async def test_an_expression_returning_nothing_is_nan_at_every_step(
        queries: RangeQueries) -> None:
    stamps, values = await queries.range_values(EMPTY, START, START + DAY, 300)
    assert stamps.size == 289
    assert np.isnan(values).all()


async def test_a_series_present_in_part_of_the_range_is_nan_elsewhere(
        queries: RangeQueries) -> None:
    stamps, values = await queries.range_values(AFTER, START, START + 3 * 3_600, 600)
    assert [None if np.isnan(v) else int(v) for v in values] == [
        None] * 13 + [int(t) for t in stamps[13:]]


async def test_an_end_between_steps_stops_at_the_last_whole_step(
        queries: RangeQueries) -> None:
    stamps, values = await queries.range_values(CLOCK, START, START + 150, 60)
    assert stamps.tolist() == [START, START + 60, START + 120]
    assert values.tolist() == [START, START + 60, START + 120]


async def test_a_store_that_does_not_answer_is_unavailable(silent: RangeQueries) -> None:
    with pytest.raises(DependencyUnavailable, match="metrics store"):
        await silent.range_values(CLOCK, START, START + DAY, 60)


async def test_the_fake_refuses_what_it_knows_no_answer_to() -> None:
    with pytest.raises(TelemetryQueryRejected, match="knows no answer"):
        await InMemoryRangeQueries({}).range_values("up", START, START, 60)
