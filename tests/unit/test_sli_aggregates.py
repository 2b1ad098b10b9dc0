"""Aggregates from window counts, and when a recommendation's inputs count as moved."""

from __future__ import annotations

import numpy as np
import pytest

from slo_engine.domain.sli_aggregates import (
    SliAggregate,
    WindowCounts,
    aggregate,
    baseline_window,
    moved_inputs,
)

BOUNDS = np.array([0.1, 0.25, 0.5, 1.0, np.inf])


def counts(requests: float, failed: float, cumulative: list[float]) -> WindowCounts:
    return WindowCounts(requests, failed, BOUNDS, np.array(cumulative))


def current(error: float | None, p99: float | None, window: str = "28d") -> SliAggregate:
    return SliAggregate("api", window, 1000.0, None if error is None else 1 - error, error,
                        1.0, None, None, p99)


def test_ratios_and_rate_come_from_the_request_counts_over_the_window() -> None:
    result = aggregate("api", "1h", counts(36_000, 36, [0, 0, 0, 0, 0]))
    assert result.requests == 36_000
    assert result.error_ratio == pytest.approx(0.001)
    assert result.availability_ratio == pytest.approx(0.999)
    assert result.request_rate_per_second == pytest.approx(10.0)


def test_percentiles_interpolate_inside_the_bucket_holding_the_rank() -> None:
    # 1,000 requests: 500 under 100 ms, 400 more under 250 ms, 90 under 500 ms, 10 under 1 s
    result = aggregate("api", "1d", counts(1000, 0, [500, 900, 990, 1000, 1000]))
    assert result.latency_p50_seconds == pytest.approx(0.1)
    # rank 950 lies 50/90 into (0.25, 0.5]
    assert result.latency_p95_seconds == pytest.approx(0.25 + 0.25 * 50 / 90)
    assert result.latency_p99_seconds == pytest.approx(0.5)


def test_a_window_without_traffic_has_no_ratios_or_percentiles() -> None:
    result = aggregate("api", "7d", counts(0, 0, [0, 0, 0, 0, 0]))
    assert result.error_ratio is None
    assert result.availability_ratio is None
    assert result.latency_p99_seconds is None
    assert result.request_rate_per_second == 0.0


def test_a_service_without_a_histogram_still_gets_its_ratios() -> None:
    result = aggregate("api", "1h", WindowCounts(100, 1, np.empty(0), np.empty(0)))
    assert result.error_ratio == pytest.approx(0.01)
    assert result.latency_p50_seconds is None


@pytest.mark.parametrize(("lookback_days", "window"),
                         [(365, "28d"), (30, "28d"), (28, "28d"), (27, "7d"), (7, "7d")])
def test_a_recommendation_is_judged_on_the_longest_window_within_its_lookback(
        lookback_days: int, window: str) -> None:
    assert baseline_window(lookback_days) == window


def test_an_error_ratio_moving_more_than_five_percent_makes_it_stale() -> None:
    baseline = {"error_ratio": 0.001, "latency_p99_seconds": 0.3}
    assert moved_inputs(baseline, current(0.00104, 0.3), 0.05, 0.0001) == []
    (reason,) = moved_inputs(baseline, current(0.00106, 0.3), 0.05, 0.0001)
    assert reason == "error ratio moved from 0.1000% to 0.1060% over 28d"


def test_a_nearly_error_free_service_is_judged_against_the_floor() -> None:
    baseline = {"error_ratio": 0.000001, "latency_p99_seconds": None}
    # four times the errors moves it by 0.0003%, within 5% of the 0.01% floor; seven times
    # moves it by 0.0006%, beyond
    assert moved_inputs(baseline, current(0.000004, None), 0.05, 0.0001) == []
    assert moved_inputs(baseline, current(0.000007, None), 0.05, 0.0001) != []


def test_a_p99_moving_more_than_five_percent_makes_it_stale() -> None:
    baseline = {"error_ratio": 0.001, "latency_p99_seconds": 0.200}
    assert moved_inputs(baseline, current(0.001, 0.209), 0.05, 0.0001) == []
    (reason,) = moved_inputs(baseline, current(0.001, 0.240), 0.05, 0.0001)
    assert reason == "p99 latency moved from 200 ms to 240 ms over 28d"


def test_missing_values_on_either_side_are_not_a_move() -> None:
    assert moved_inputs({"error_ratio": None, "latency_p99_seconds": None},
                        current(0.5, 9.0), 0.05, 0.0001) == []
    assert moved_inputs({"error_ratio": 0.001, "latency_p99_seconds": 0.2},
                        current(None, None), 0.05, 0.0001) == []
