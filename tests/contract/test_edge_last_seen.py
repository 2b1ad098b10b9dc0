"""When an edge was last seen, on both EdgeTelemetry implementations: the exact time of
its last sample within the window, whether it still reports or went quiet between two of
the adapter's subquery steps, at a window end that falls between scrapes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_edges import LAST_SEEN_STEP_S, PrometheusEdgeTelemetry
from slo_engine.application.telemetry_ports import EdgeTelemetry
from slo_engine.runtime.processes import ServerProcess
from tests.edge_series import GRAPH, HOUR, write_series
from tests.fakes_edge_telemetry import CounterSeries, InMemoryEdgeTelemetry
from tests.prometheus_history import prometheus_holding
from tests.telemetry_history import END

SCRAPE_S = 15
FIRST_SAMPLE = END - 2 * HOUR + 7  # off the minute, so no sample time is a round step
WINDOW_END = END + 50  # between two scrapes
LOOKBACK_DELTA_S = 300  # Prometheus' default


def scraped(server: str, until_s: int, client: str = "web") -> CounterSeries:
    stamps = range(FIRST_SAMPLE, until_s + 1, SCRAPE_S)
    return CounterSeries(GRAPH, {"client": client, "server": server},
                         [(t, float(t - FIRST_SAMPLE)) for t in stamps])


SERIES = [
    scraped("busy", WINDOW_END + 600),  # reports on past the window's end
    scraped("recently-quiet", END - 150),  # quiet for less than the lookback delta
    scraped("quiet", END - 1000),  # quiet for longer, between two subquery steps
    scraped("archive", END - 2000, client="batch.v2+(x)|y"),  # a caller to select exactly
]


@pytest.fixture(scope="module")
def last_seen_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("edge-last-seen")
    write_series(directory / "edges.om", SERIES)
    with prometheus_holding([directory / "edges.om"], directory / "data") as server:
        yield server


@pytest.fixture(params=["prometheus", "memory"])
async def edges(request: pytest.FixtureRequest) -> AsyncIterator[EdgeTelemetry]:
    if request.param == "memory":
        yield InMemoryEdgeTelemetry(SERIES)
        return
    server: ServerProcess = request.getfixturevalue("last_seen_prometheus")
    telemetry = PrometheusTelemetry(server.url, retry_delays_s=())
    yield PrometheusEdgeTelemetry(telemetry)
    await telemetry.close()


async def test_each_edge_was_last_seen_at_its_last_sample_within_the_window(
        edges: EdgeTelemetry) -> None:
    found = {e.pair: e.last_seen_s for e in await edges.observed_edges(HOUR, WINDOW_END)}
    assert found == {("web", "busy"): END + 37, ("web", "recently-quiet"): END - 158,
                     ("web", "quiet"): END - 1013, ("batch.v2+(x)|y", "archive"): END - 2003}


def test_the_quiet_edges_last_sample_lies_between_two_subquery_steps() -> None:
    """What the case above exercises: neither a step of the subquery nor within the
    lookback delta of the window's end."""
    quiet = END - 1013
    assert quiet % LAST_SEEN_STEP_S != 0
    assert WINDOW_END - quiet > LOOKBACK_DELTA_S
