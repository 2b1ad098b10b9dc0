"""The simulation cost model (domain/simulation_cost.py), term by term."""

from __future__ import annotations

import pytest

from slo_engine.domain.simulation_cost import (
    BACKTEST_SECONDS_PER_STEP,
    DEPENDENCIES_SECONDS,
    DEPLOY_SECONDS,
    FIXED_SECONDS,
    HISTOGRAM_SECONDS_PER_HOUR,
    MONTE_CARLO_SECONDS_PER_DRAW_DAY,
    READ_SECONDS_PER_POINT,
    SimulationSize,
    estimated_seconds,
)


def test_an_availability_simulation_costs_its_reads_backtest_and_draws() -> None:
    size = SimulationSize(window_days=90, step_s=900, iterations=1000, period_days=30,
                          availability=True, latency_targets=0)
    assert size.history_points == 8640
    assert estimated_seconds(size) == pytest.approx(
        FIXED_SECONDS + READ_SECONDS_PER_POINT * 8640 + BACKTEST_SECONDS_PER_STEP * 8640
        + MONTE_CARLO_SECONDS_PER_DRAW_DAY * 1000 * 30)


def test_a_latency_target_adds_the_hourly_histogram_and_its_own_backtest_and_draws() -> None:
    plain = SimulationSize(90, 900, 1000, 30, True, 0)
    latency = SimulationSize(90, 900, 1000, 30, True, 1)
    assert estimated_seconds(latency) - estimated_seconds(plain) == pytest.approx(
        HISTOGRAM_SECONDS_PER_HOUR * 90 * 24 + BACKTEST_SECONDS_PER_STEP * 8640
        + MONTE_CARLO_SECONDS_PER_DRAW_DAY * 1000 * 30)


def test_a_what_if_alone_reads_no_history() -> None:
    alone = SimulationSize(90, 3600, 0, 0, False, 0, deploy=True, dependencies=True)
    assert alone.history_points == 0
    assert estimated_seconds(alone) == pytest.approx(
        FIXED_SECONDS + DEPLOY_SECONDS + DEPENDENCIES_SECONDS)


def test_the_largest_simulation_allowed_is_estimated_under_two_seconds_here() -> None:
    """365 days, 10,000 draws of a 30-day period, availability and three latency
    targets: what a request may ask at most stays below the default threshold (5 s) on
    a local Prometheus."""
    largest = SimulationSize(365, 2880, 10_000, 30, True, 3, deploy=True, dependencies=True)
    assert 1.0 < estimated_seconds(largest) < 2.0
