"""The Telemetry contract on the Prometheus adapter (a real Prometheus holding backfilled
history) and on its in-memory fake (tests/fakes_telemetry.py), over the same series
(tests/telemetry_history.py) and a simulated fleet's history."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import numpy as np
import pytest

from slo_engine.adapters.circuit_breaker import CircuitBreaker
from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.fakes_telemetry import InMemoryTelemetry, ServiceSeries, fleet_series
from tests.prometheus_history import prometheus_holding
from tests.telemetry_history import (
    AFTER,
    BEFORE,
    DAY,
    END,
    HOUR,
    START,
    contract_series,
    write_series,
)

BACKENDS = ["prometheus", "memory"]
Call = Callable[[Telemetry], Awaitable[Any]]
SERVICES = ["api", "checkout", "web", "idle", "cache", "nobody"]
BOUNDS = [0.1, 0.25, 0.5, 1.0, math.inf]
FLEET_TOPOLOGY = {
    "nodes": [{"service_id": "shop-db", "metadata": {"engine": "postgres"}},
              {"service_id": "shop-pay", "metadata": {"service_type": "external"}}],
    "edges": [{"source": "shop-front", "target": "shop-cart"},
              {"source": "shop-cart", "target": "shop-db"},
              {"source": "shop-front", "target": "shop-pay"}],
}


@pytest.fixture(scope="module")
def fleet() -> FleetHistory:
    return simulate_fleet(FLEET_TOPOLOGY, days=2, end_s=END, seed=3)


@pytest.fixture(scope="module")
def series(fleet: FleetHistory) -> dict[str, ServiceSeries]:
    return {**contract_series(), **fleet_series(fleet)}


@pytest.fixture(scope="module")
def contract_prometheus(tmp_path_factory: pytest.TempPathFactory, fleet: FleetHistory
                        ) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("telemetry-contract")
    write_series(directory / "series.om", contract_series())
    write_openmetrics(fleet, directory / "fleet.om")
    with prometheus_holding([directory / "series.om", directory / "fleet.om"],
                            directory / "data") as server:
        yield server


@pytest.fixture(params=BACKENDS)
def telemetry_server(request: pytest.FixtureRequest) -> ServerProcess | None:
    """The Prometheus holding the history, or None for the fake."""
    if request.param == "memory":
        return None
    server: ServerProcess = request.getfixturevalue("contract_prometheus")
    return server


@pytest.fixture
async def telemetry(telemetry_server: ServerProcess | None,
                    series: dict[str, ServiceSeries]) -> AsyncIterator[Telemetry]:
    if telemetry_server is None:
        yield InMemoryTelemetry(series)
        return
    adapter = PrometheusTelemetry(telemetry_server.url)
    yield adapter
    await adapter.close()


@pytest.fixture(params=BACKENDS)
async def unreachable(request: pytest.FixtureRequest) -> AsyncIterator[Telemetry]:
    """A store that does not answer; the adapter's breaker opens on the first failure."""
    if request.param == "memory":
        yield InMemoryTelemetry({}, outage_retry_after_s=30.0)
        return
    url = f"http://127.0.0.1:{free_port()}"
    adapter = PrometheusTelemetry(url, retry_delays_s=(),
                                  breaker=CircuitBreaker(1, 30.0, clock=lambda: 0.0))
    yield adapter
    await adapter.close()


async def test_request_counts_are_aligned_to_their_steps_with_gaps_as_nan(
        telemetry: Telemetry) -> None:
    total, failed = await telemetry.request_counts("api", END - 3 * DAY, END, HOUR)
    assert total.shape == failed.shape == (73,)
    assert np.isnan(total[:25]).all()  # before the history
    assert np.isnan(failed[:25]).all()
    assert total[25:].tolist() == [36_000.0] * 48
    assert failed[25:].tolist() == [36.0] * 48


async def test_a_step_with_traffic_and_no_failed_series_has_no_failures(
        telemetry: Telemetry) -> None:
    total, failed = await telemetry.request_counts("web", END - 2 * HOUR, END, HOUR)
    assert (total.tolist(), failed.tolist()) == ([7200.0] * 3, [0.0] * 3)


async def test_a_service_without_series_has_only_gaps(telemetry: Telemetry) -> None:
    total, failed = await telemetry.request_counts("nobody", END - 2 * HOUR, END, HOUR)
    assert total.shape == failed.shape == (3,)
    assert np.isnan(total).all()
    assert np.isnan(failed).all()


async def test_a_missed_scrape_leaves_gaps_and_a_restart_is_counted_through(
        telemetry: Telemetry) -> None:
    gap, _ = await telemetry.request_counts("batch", END - 31 * HOUR, END - 26 * HOUR, HOUR)
    assert np.array_equal(gap, [3600, 3600, np.nan, np.nan, 3600, 3600], equal_nan=True)
    restart, _ = await telemetry.request_counts("batch", END - 4 * HOUR, END - HOUR, HOUR)
    # Across the reset: the 12 increments before it and the 100 counted after it.
    assert restart.tolist() == [3600.0, 3400.0, 3600.0, 3600.0]


async def test_a_series_starting_inside_a_window_is_extrapolated_as_prometheus_2_does(
        telemetry: Telemetry) -> None:
    """30 samples, 1,740 counted over 1,740 s; the first is 1,817 s after the window opens
    but its zero point (50 at 1/s) only 50 s before it, under 1.1 x the 60 s spacing: the
    window counts 1,740 x (1,740 + 50 + 43) / 1,740. (Prometheus 3 tests the spacing
    first and extrapolates 30 s: 1,813.)"""
    total, _ = await telemetry.request_counts("sparse", START, START + 2 * HOUR, HOUR)
    assert np.isnan(total[0])
    assert total[1:].tolist() == pytest.approx([1833.0, 3600.0], rel=1e-12)


async def test_a_window_reaching_into_a_scrape_gap_extrapolates_half_a_spacing_there(
        telemetry: Telemetry) -> None:
    """11 samples 300 s apart, 3,000 counted; the gap side is 400 s (or 390 s) away, over
    1.1 x 300 s, so it counts 150 s; the other side counts its 200 s (or 210 s) in full."""
    ends_in_gap = END - 30 * HOUR + 400
    before, _ = await telemetry.request_counts("batch", ends_in_gap, ends_in_gap, HOUR)
    starts_in_gap = END - 28 * HOUR - 390 + HOUR
    after, _ = await telemetry.request_counts("batch", starts_in_gap, starts_in_gap, HOUR)
    assert [*before.tolist(), *after.tolist()] == pytest.approx([3350.0, 3360.0], rel=1e-12)


async def test_counts_of_many_services_hold_every_service_with_a_request_series(
        telemetry: Telemetry) -> None:
    found = await telemetry.request_counts_of_services(SERVICES, END - 2 * HOUR, END, HOUR)
    assert {s: (t.tolist(), f.tolist()) for s, (t, f) in found.items()} == {
        "api": ([36_000.0] * 3, [36.0] * 3),
        "checkout": ([36_000.0] * 3, [72.0] * 3),
        "web": ([7200.0] * 3, [0.0] * 3),
        "idle": ([0.0] * 3, [0.0] * 3),
    }


async def test_availability_is_good_over_all_requests_in_the_range(
        telemetry: Telemetry) -> None:
    found = await telemetry.availabilities(SERVICES, END - DAY, END)
    assert found == {"api": pytest.approx(0.999, abs=1e-12),
                     "checkout": pytest.approx(1 - 1080 / 864_000, abs=1e-12),
                     "web": 1.0, "idle": None, "cache": None, "nobody": None}


async def test_a_latency_histogram_over_the_whole_range_is_one_window_of_cumulative_counts(
        telemetry: Telemetry) -> None:
    bounds, counts = await telemetry.latency_histogram("api", END - DAY, END, DAY)
    assert bounds.tolist() == BOUNDS
    assert counts.tolist() == [[288.0 * n] for n in BEFORE.values()]


async def test_latency_histogram_windows_end_every_window_from_the_start_with_gaps_as_zero(
        telemetry: Telemetry) -> None:
    bounds, counts = await telemetry.latency_histogram("checkout", START - HOUR, START + HOUR,
                                                       HOUR)
    assert bounds.tolist() == BOUNDS
    assert counts.tolist() == [[0.0, 0.0, 12.0 * n] for n in BEFORE.values()]
    _, later = await telemetry.latency_histogram("checkout", END - 7 * HOUR, END, HOUR)
    assert later.tolist() == [[12.0 * BEFORE[le]] * 2 + [12.0 * AFTER[le]] * 6 for le in BOUNDS]


async def test_a_service_without_a_histogram_has_no_buckets(telemetry: Telemetry) -> None:
    bounds, counts = await telemetry.latency_histogram("web", END - DAY, END, HOUR)
    assert (bounds.shape, counts.shape) == ((0,), (0, 25))


async def test_window_counts_hold_every_service_with_requests_or_buckets(
        telemetry: Telemetry) -> None:
    found = await telemetry.window_counts(SERVICES, HOUR, END)
    assert {s: (c.requests, c.failed, c.bucket_bounds_seconds.tolist(),
                c.bucket_counts.tolist()) for s, c in found.items()} == {
        "api": (36_000.0, 36.0, BOUNDS, [12.0 * n for n in BEFORE.values()]),
        "checkout": (36_000.0, 72.0, BOUNDS, [12.0 * n for n in AFTER.values()]),
        "web": (7200.0, 0.0, [], []),
        "idle": (0.0, 0.0, [], []),
        "cache": (0.0, 0.0, [0.01, math.inf], [1080.0, 1200.0]),
    }


async def test_day_on_day_deviation_compares_each_step_with_the_same_time_a_day_earlier(
        telemetry: Telemetry) -> None:
    """checkout's p99 went from 500 ms to 950 ms and its error ratio from 0.1% to 0.2% at
    CHANGE, two hours into the eight; the others did not change."""
    found = await telemetry.day_on_day_deviation(SERVICES, END - 8 * HOUR, END, 300, DAY, 6)
    assert sorted(found) == ["api", "cache", "checkout", "idle", "web"]
    checkout = found["checkout"]
    assert checkout.latency_p99_log.tolist() == pytest.approx(
        [0.0] * 25 + [math.log(0.95 / 0.5)] * 72, rel=1e-12, abs=1e-12)
    assert checkout.error_ratio.tolist() == pytest.approx([0.0] * 25 + [0.001] * 72,
                                                          abs=1e-15)
    assert found["api"].latency_p99_log.tolist() == [0.0] * 97
    assert found["api"].error_ratio.tolist() == [0.0] * 97
    assert found["cache"].latency_p99_log.tolist() == [0.0] * 97  # p99 beyond 10 ms: 10 ms
    assert np.isnan(found["cache"].error_ratio).all()  # no requests
    assert np.isnan(found["web"].latency_p99_log).all()  # no histogram
    assert found["web"].error_ratio.tolist() == [0.0] * 97
    assert np.isnan(found["idle"].error_ratio).all()  # requests counted, none made: 0 / 0


async def test_a_day_without_the_day_before_it_has_unknown_deviations(
        telemetry: Telemetry) -> None:
    """A day earlier there was no history yet: api's p99 has nothing to compare with, and
    web, with only requests, has no error ratio to compare either, so it is left out."""
    found = await telemetry.day_on_day_deviation(["api", "web"], START + HOUR,
                                                 START + 2 * HOUR, 300, DAY, 6)
    assert list(found) == ["api"]
    assert np.isnan(found["api"].latency_p99_log).all()
    assert found["api"].error_ratio.shape == (13,)
    assert np.isnan(found["api"].error_ratio).all()


async def test_throttling_is_cpu_seconds_throttled_per_second_or_none_without_a_series(
        telemetry: Telemetry) -> None:
    assert await telemetry.throttled_ratio("api", END - DAY, END) == pytest.approx(0.02,
                                                                                  rel=1e-12)
    assert await telemetry.throttled_ratio("web", END - DAY, END) is None
    assert await telemetry.throttled_ratio("nobody", END - DAY, END) is None


async def test_a_range_of_more_than_eleven_thousand_steps_is_refused(
        telemetry: Telemetry) -> None:
    total, _ = await telemetry.request_counts("api", END - 11_000 * 15, END, 15)
    assert total.shape == (11_001,)
    with pytest.raises(TelemetryQueryRejected):
        await telemetry.request_counts("api", END - 11_001 * 15, END, 15)


async def test_a_range_ending_before_it_starts_or_a_window_of_no_time_is_refused(
        telemetry: Telemetry) -> None:
    with pytest.raises(TelemetryQueryRejected):
        await telemetry.request_counts("api", END, END - 300, 300)
    with pytest.raises(TelemetryQueryRejected):
        await telemetry.availabilities(["api"], END, END)
    with pytest.raises(TelemetryQueryRejected):
        await telemetry.window_counts(["api"], 0, END)


async def test_the_step_chosen_for_a_range_is_the_finest_the_store_serves(
        telemetry: Telemetry) -> None:
    assert telemetry.step_for(30 * DAY, 300) == 300
    assert telemetry.step_for(90 * DAY, 300) == 900
    assert telemetry.step_for(7 * DAY, 15) == 60
    total, _ = await telemetry.request_counts("api", END - 7 * DAY, END, 60)
    assert total.shape == (10_081,)
    with pytest.raises(TelemetryQueryRejected):
        await telemetry.request_counts("api", END - 7 * DAY, END, 30)


async def test_a_store_that_answers_is_ready_and_worth_asking_now(
        telemetry: Telemetry) -> None:
    await telemetry.ready()
    assert telemetry.retry_after_s() == 0.0


async def test_an_unreachable_store_is_unavailable_and_then_names_its_wait(
        unreachable: Telemetry) -> None:
    assert unreachable.retry_after_s() == 0.0
    with pytest.raises(DependencyUnavailable) as failed:
        await unreachable.request_counts("api", END - HOUR, END, 300)
    assert failed.value.retry_after_s == 30.0
    assert unreachable.retry_after_s() == 30.0
    with pytest.raises(DependencyUnavailable):
        await unreachable.ready()


async def test_a_simulated_fleet_reads_back_its_requests_failures_and_buckets(
        telemetry: Telemetry, fleet: FleetHistory) -> None:
    for i, service in enumerate(fleet.services):
        total, failed = await telemetry.request_counts(service, fleet.start_s, END, 300)
        assert np.isnan(total[0])  # the first sample alone
        assert np.array_equal(total[1:], fleet.requests[i, 1:])
        assert np.array_equal(failed[1:], fleet.failures[i, 1:])
    found = await telemetry.window_counts(fleet.services, HOUR, END)
    for i, service in enumerate(fleet.services):
        assert found[service].requests == fleet.requests[i, -12:].sum()
        assert found[service].bucket_counts[-1] == fleet.requests[i, -12:].sum()


async def test_the_fake_answers_as_prometheus_does_on_a_simulated_fleet_at_any_alignment(
        contract_prometheus: ServerProcess, fleet: FleetHistory) -> None:
    """Windows that cut between samples and reach before the history starts: each of the
    fake's answers equals the adapter's to 1e-12 (logarithms may differ in the last bit)."""
    real = PrometheusTelemetry(contract_prometheus.url)
    fake = InMemoryTelemetry.from_fleet_history(fleet)
    for telemetry_call in fleet_calls([*fleet.services, "nobody"], fleet.start_s):
        assert_same(await telemetry_call(real), await telemetry_call(fake))
    await real.close()


def fleet_calls(services: list[str], first_s: int) -> list[Call]:
    """Many services at once, then each service alone."""
    calls: list[Call] = [
        lambda t: t.request_counts_of_services(services, END - DAY + 123, END - 45, 300),
        lambda t: t.request_counts_of_services(services, first_s - HOUR, first_s + 2 * HOUR,
                                               900),
        lambda t: t.availabilities(services, END - DAY + 77, END - 13),
        lambda t: t.availabilities(services, first_s - 50, first_s + 4000),
        lambda t: t.window_counts(services, HOUR, END - 131),
        lambda t: t.window_counts(services, DAY, END),
        lambda t: t.day_on_day_deviation(services, END - 6 * HOUR + 150, END, 600, DAY, 3),
        lambda t: t.day_on_day_deviation(services, END - 2 * HOUR, END, 300, DAY, 6),
    ]
    return calls + [call for service in services for call in service_calls(service, first_s)]


def service_calls(service: str, first_s: int) -> list[Call]:
    return [lambda t: t.latency_histogram(service, END - DAY + 7, END, DAY),
            lambda t: t.latency_histogram(service, END - 6 * HOUR + 11, END, HOUR),
            lambda t: t.latency_histogram(service, first_s - 100, first_s + 5000, 1800),
            lambda t: t.throttled_ratio(service, END - DAY + 5, END - 5)]


def assert_same(real: Any, fake: Any) -> None:
    """Equal shapes, keys and types; numbers equal to 1e-12, NaN where the other has NaN."""
    if isinstance(real, dict):
        assert sorted(real) == sorted(fake)
        for key in real:
            assert_same(real[key], fake[key])
    elif isinstance(real, tuple | list):
        assert len(real) == len(fake)
        for one, other in zip(real, fake, strict=True):
            assert_same(one, other)
    elif hasattr(real, "__dataclass_fields__"):
        assert type(real) is type(fake)
        assert_same(list(vars(real).values()), list(vars(fake).values()))
    elif real is None or fake is None:
        assert real is fake
    else:
        assert np.shape(real) == np.shape(fake)
        np.testing.assert_allclose(fake, real, rtol=1e-12, atol=1e-12, equal_nan=True)
