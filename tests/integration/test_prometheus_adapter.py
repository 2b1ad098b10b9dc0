"""The Prometheus telemetry adapter against a real Prometheus with backfilled history."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from slo_engine.adapters.circuit_breaker import CircuitBreaker, CircuitState
from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.promql import SliQueries
from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.integration.test_prometheus_runtime import STEP_S, write_history
from tests.prometheus_history import prometheus_holding

END = int(time.time()) // 3600 * 3600


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("prometheus")
    write_history(directory / "history.om", END, days=2)
    with prometheus_holding([directory / "history.om"], directory / "data") as server:
        yield server


async def no_wait(_seconds: float) -> None:
    return None


class CountingTransport(httpx.AsyncHTTPTransport):
    """A real transport that counts the requests it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await super().handle_async_request(request)


@pytest.fixture
async def counted(prometheus: ServerProcess) -> AsyncIterator[
        tuple[PrometheusTelemetry, CountingTransport]]:
    transport = CountingTransport()
    client = httpx.AsyncClient(base_url=prometheus.url, transport=transport)
    telemetry = PrometheusTelemetry(prometheus.url, sleep=no_wait, client=client)
    yield telemetry, transport
    await telemetry.close()


async def test_a_range_query_is_aligned_to_its_steps_with_gaps_as_nan(
    counted: tuple[PrometheusTelemetry, CountingTransport],
) -> None:
    telemetry, _ = counted
    queries = SliQueries()
    start = END - 3 * 86_400  # a day before the history begins
    totals = await telemetry.range_series(queries.total_requests("api", 3600), start, END, 3600)
    assert totals.shape == (73,)
    assert np.isnan(totals[:25]).all()
    assert totals[-1] == pytest.approx(36_000, rel=1e-6)
    failed = await telemetry.range_series(queries.failed_requests("api", 3600), start, END, 3600)
    assert failed[-1] == pytest.approx(36, rel=1e-6)


async def test_an_instant_query_returns_one_value_or_none(
    counted: tuple[PrometheusTelemetry, CountingTransport],
) -> None:
    telemetry, _ = counted
    value = await telemetry.instant_value(SliQueries().total_requests("api", STEP_S), END)
    assert value == pytest.approx(3_000, rel=1e-6)
    assert await telemetry.instant_value(SliQueries().total_requests("nobody", STEP_S), END) \
        is None


async def test_a_rejected_query_is_not_retried(
    counted: tuple[PrometheusTelemetry, CountingTransport],
) -> None:
    telemetry, transport = counted
    with pytest.raises(TelemetryQueryRejected, match="parse error"):
        await telemetry.instant_value("sum(", END)
    assert transport.requests == 1
    assert telemetry.breaker.state is CircuitState.CLOSED


async def test_an_unreachable_prometheus_is_retried_then_reported_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    transport = CountingTransport()
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    telemetry = PrometheusTelemetry(url, sleep=record,
                                    client=httpx.AsyncClient(base_url=url, transport=transport))
    with pytest.raises(DependencyUnavailable, match="after 4 attempts"):
        await telemetry.instant_value("up", END)
    assert (transport.requests, delays) == (4, [1.0, 2.0, 4.0])
    await telemetry.close()


async def test_the_breaker_opens_and_then_fails_fast_without_calling() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    transport = CountingTransport()
    telemetry = PrometheusTelemetry(url, sleep=no_wait, breaker=CircuitBreaker(10, 30.0),
                                    client=httpx.AsyncClient(base_url=url, transport=transport))
    for _ in range(3):
        with pytest.raises(DependencyUnavailable):
            await telemetry.instant_value("up", END)
    assert telemetry.breaker.state is CircuitState.OPEN
    sent = transport.requests
    with pytest.raises(DependencyUnavailable, match="circuit open"):
        await telemetry.instant_value("up", END)
    assert transport.requests == sent == 10
    await telemetry.close()


async def test_a_half_open_trial_answered_with_a_refusal_closes_the_breaker(
        prometheus: ServerProcess) -> None:
    """The store answered (it refused a query): alive, so the breaker must not stay stuck
    with its trial in flight and refuse every later call."""
    now = [0.0]
    breaker = CircuitBreaker(1, 10.0, clock=lambda: now[0])
    breaker.record_failure()
    now[0] = 11.0  # half open: the next call is the trial
    telemetry = PrometheusTelemetry(prometheus.url, sleep=no_wait, breaker=breaker)
    with pytest.raises(TelemetryQueryRejected):
        await telemetry.instant_value("sum(", END)
    assert await telemetry.instant_value("vector(1)", END) == 1.0
    assert breaker.state is CircuitState.CLOSED
    await telemetry.close()


async def test_readiness_reflects_the_server(prometheus: ServerProcess, tmp_path: Path) -> None:
    telemetry = PrometheusTelemetry(prometheus.url)
    await telemetry.ready()
    await telemetry.close()
    down = PrometheusTelemetry(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(DependencyUnavailable):
        await down.ready()
    await down.close()


async def test_grouped_availabilities_match_one_service_at_a_time(
    counted: tuple[PrometheusTelemetry, CountingTransport],
) -> None:
    telemetry, transport = counted
    start = END - 86_400
    grouped = await telemetry.availabilities(["api", "nobody"], start, END)
    assert transport.requests == 2
    assert grouped["nobody"] is None
    assert grouped["api"] == pytest.approx(0.999, abs=1e-9)
