"""The deploy comparison on hand-computed hourly histories (domain/deploy_comparison.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from slo_engine.domain.deploy_comparison import (
    HourlyHistory,
    block_hours,
    compare,
    split_at,
)
from slo_engine.domain.sli_statistics import window_sums

START = 1_704_067_200  # Monday 2024-01-01 00:00 UTC
HOUR = 3600
BOUNDS = np.array([0.1, 0.25, math.inf])


def history(before_bad: float, after_bad: float, hours: int = 96,
            before_fast: float = 0.9, after_fast: float = 0.9) -> HourlyHistory:
    """1,000 requests an hour; the first half fails `before_bad` an hour, the second
    `after_bad`; `*_fast` of them within 100 ms, 99% within 250 ms."""
    half = hours // 2
    total = np.full(hours, 1000.0)
    bad = np.concatenate([np.full(half, before_bad), np.full(hours - half, after_bad)])
    fast = np.concatenate([np.full(half, before_fast), np.full(hours - half, after_fast)])
    buckets = np.vstack([total * fast, total * 0.99, total])
    return HourlyHistory(START, total, bad, BOUNDS, buckets)


def test_the_hour_holding_the_marker_is_left_out_of_both_sides() -> None:
    before, after = split_at(history(1, 1), START + 48 * HOUR + 1800, side_hours=24)
    assert (before.first, before.stop, after.first, after.stop) == (24, 48, 49, 73)
    assert (before.start_s, before.end_s) == (START + 24 * HOUR, START + 48 * HOUR)
    assert (before.hours_with_traffic, before.requests, before.bad) == (24, 24_000.0, 24.0)


def test_a_marker_on_an_hour_boundary_splits_there() -> None:
    before, after = split_at(history(1, 1), START + 48 * HOUR, side_hours=100)
    assert (before.first, before.stop, after.first, after.stop) == (0, 48, 48, 96)


def test_hours_without_samples_count_as_no_traffic() -> None:
    gappy = history(1, 1)
    total = gappy.total.copy()
    total[:10] = np.nan
    before, _ = split_at(HourlyHistory(START, total, gappy.bad), START + 48 * HOUR, 48)
    assert (before.hours_with_traffic, before.requests) == (38, 38_000.0)


def test_a_steady_tenfold_error_rise_is_a_significant_change_of_exactly_its_size() -> None:
    """0.1% before, 1% after in every hour: every resample sees the same ratios."""
    data = history(1, 10)
    before, after = split_at(data, START + 48 * HOUR, 48)
    result = compare(data, before, after, START + 48 * HOUR, np.random.default_rng(1))
    error = result.error_ratio
    assert (error.before, error.after) == pytest.approx((0.001, 0.01))
    assert error.change == pytest.approx(0.009)
    assert error.interval == pytest.approx((0.009, 0.009))
    assert error.significant
    assert result.block_hours == (12, 12)


def test_the_same_noisy_history_on_both_sides_is_not_a_significant_change() -> None:
    rng = np.random.default_rng(4)
    noise = rng.poisson(5, 48).astype(float)
    total = np.full(96, 1000.0)
    data = HourlyHistory(START, total, np.concatenate([noise, noise[::-1]]))
    before, after = split_at(data, START + 48 * HOUR, 48)
    error = compare(data, before, after, START + 48 * HOUR, np.random.default_rng(1)).error_ratio
    assert error.change == pytest.approx(0.0)
    assert error.interval is not None
    assert error.interval[0] < 0 < error.interval[1]
    assert not error.significant


def test_latency_percentiles_come_from_each_sides_summed_histogram() -> None:
    """90% within 100 ms before, 50% after: the median moves from 100 x 0.5/0.9 ms to
    100 ms (linear inside the bucket); p99 stays at the 250 ms bound."""
    data = history(1, 1, before_fast=0.9, after_fast=0.5)
    before, after = split_at(data, START + 48 * HOUR, 48)
    latency = compare(data, before, after, START + 48 * HOUR,
                      np.random.default_rng(1)).latency_s
    assert latency is not None
    assert latency[0.5].before == pytest.approx(0.1 * 0.5 / 0.9)
    assert latency[0.5].after == pytest.approx(0.1)
    assert latency[0.5].change == pytest.approx(0.1 - 0.1 * 0.5 / 0.9)
    assert latency[0.5].significant
    assert latency[0.99].change == pytest.approx(0.0)
    assert not latency[0.99].significant


def test_without_a_histogram_there_is_no_latency_comparison() -> None:
    data = history(1, 2)
    plain = HourlyHistory(START, data.total, data.bad)
    before, after = split_at(plain, START + 48 * HOUR, 48)
    assert compare(plain, before, after, START + 48 * HOUR,
                   np.random.default_rng(1)).latency_s is None


def test_the_same_seed_gives_the_same_interval() -> None:
    rng = np.random.default_rng(9)
    data = HourlyHistory(START, np.full(96, 100.0), rng.poisson(2, 96).astype(float))
    before, after = split_at(data, START + 48 * HOUR, 48)
    first = compare(data, before, after, START + 48 * HOUR, np.random.default_rng(3))
    again = compare(data, before, after, START + 48 * HOUR, np.random.default_rng(3))
    assert first.error_ratio.interval == again.error_ratio.interval


@pytest.mark.parametrize(("hours", "block"), [(1, 1), (7, 1), (24, 6), (96, 24), (168, 24)])
def test_blocks_are_a_quarter_of_the_side_up_to_a_day(hours: int, block: int) -> None:
    assert block_hours(hours) == block


def test_block_sums_run_along_the_last_axis() -> None:
    assert window_sums(np.array([1.0, 2, 3, 4]), 2).tolist() == [3.0, 5.0, 7.0]
    assert window_sums(np.array([[1.0, 2, 3], [0, 0, 1]]), 2).tolist() == [[3.0, 5.0],
                                                                          [0.0, 1.0]]
