"""Long range queries split under Prometheus's 11,000 points per series."""

from __future__ import annotations

import pytest

from slo_engine.adapters.prometheus_range import chunks


def test_thirty_days_at_one_minute_are_four_queries_of_at_most_11000_points() -> None:
    pieces = chunks(0, 30 * 86_400, 60)
    assert pieces == [(0, 659_940), (660_000, 1_319_940), (1_320_000, 1_979_940),
                      (1_980_000, 2_592_000)]
    assert [(b - a) // 60 + 1 for a, b in pieces] == [11_000, 11_000, 11_000, 10_201]


def test_thirty_days_at_five_minutes_are_one_query() -> None:
    assert chunks(0, 30 * 86_400, 300) == [(0, 2_592_000)]


def test_an_end_between_steps_ends_the_last_query_at_the_last_whole_step() -> None:
    assert chunks(100, 1_090, 100, max_points=4) == [(100, 400), (500, 800), (900, 1_000)]


def test_a_range_ending_before_it_starts_has_no_steps() -> None:
    with pytest.raises(ValueError, match="no steps"):
        chunks(10, 0, 60)
