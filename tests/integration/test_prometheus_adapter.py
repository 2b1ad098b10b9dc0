"""The Prometheus telemetry adapter against a real Prometheus with backfilled history: what
only the adapter does (retries, the circuit breaker, HTTP requests per call, refused
queries). What the Telemetry port means is the contract's (tests/contract/test_telemetry.py),
which the adapter and the in-memory fake both pass."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from slo_engine.adapters.circuit_breaker import CircuitBreaker, CircuitState
from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.integration.test_prometheus_runtime import write_history
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


async def test_availabilities_of_many_services_take_two_requests_and_match_one_at_a_time(
    counted: tuple[PrometheusTelemetry, CountingTransport],
) -> None:
    telemetry, transport = counted
    start = END - 86_400
    grouped = await telemetry.availabilities(["api", "nobody"], start, END)
    assert transport.requests == 2
    assert await telemetry.availability("api", start, END) == grouped["api"]
