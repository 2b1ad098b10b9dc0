"""Prometheus 2.42's `increase` / `rate` on raw samples (domain/prometheus_rate.py), on
cases whose answer follows from extrapolatedRate by hand; the same maths is contract-tested
against a real Prometheus through the telemetry fake (tests/contract/test_telemetry.py) and
the dry run's agreement tests."""

from __future__ import annotations

import numpy as np

from slo_engine.domain.prometheus_rate import (
    RawSeries,
    increase,
    present_within,
    series_rate,
    sum_of_rates,
    summed,
)


def _ms(*seconds: int) -> np.ndarray:
    return np.array(seconds, dtype=np.int64) * 1000


def _values(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)


def _series(stamps_s: list[int], values: list[float], code: str = "200") -> RawSeries:
    return RawSeries({"code": code}, _ms(*stamps_s), _values(*values))


EVERY_MINUTE = _series([0, 60, 120, 180, 240, 300], [0, 10, 20, 30, 40, 50])


def test_a_window_ending_on_samples_counts_the_difference_of_its_ends() -> None:
    result = increase(EVERY_MINUTE.stamps_ms, EVERY_MINUTE.values, _ms(300), 300_000)
    assert result.tolist() == [50.0]


def test_boundaries_nearer_than_1_1_spacings_are_extrapolated_in_full() -> None:
    # samples 60..300 in [30, 330]: 40 over 240 s, stretched by 30 s at each end
    result = increase(EVERY_MINUTE.stamps_ms, EVERY_MINUTE.values, _ms(330), 300_000)
    assert result.tolist() == [50.0]


def test_boundaries_farther_than_1_1_spacings_add_half_a_spacing() -> None:
    # 110, 120, 130 at 60..180 in [-200, 200]: 20 over 120 s, + 30 s before, 20 s after
    result = increase(_ms(60, 120, 180), _values(110, 120, 130), _ms(200), 400_000)
    assert result.tolist() == [20.0 * (170 / 120)]  # in Go's order


def test_extrapolation_stops_at_the_counters_zero_point() -> None:
    # 5, 10, 15, 20 from 120 s: zero 60 s before the first sample, not 120
    result = increase(_ms(120, 180, 240, 300), _values(5, 10, 15, 20), _ms(300), 300_000)
    assert result.tolist() == [20.0]


def test_a_reset_adds_the_value_before_it() -> None:
    result = increase(_ms(0, 60, 120, 180, 240), _values(0, 10, 20, 5, 15), _ms(240),
                      240_000)
    assert result.tolist() == [35.0]


def test_fewer_than_two_samples_in_the_window_give_no_result() -> None:
    result = increase(EVERY_MINUTE.stamps_ms, EVERY_MINUTE.values, _ms(0, 30, 60), 60_000)
    assert [None if np.isnan(v) else v for v in result.tolist()] == [None, None, 10.0]


def test_rate_is_the_increase_per_second_of_the_window() -> None:
    assert series_rate(EVERY_MINUTE, _ms(300), 300_000).tolist() == [50.0 * (1.0 / 300)]


def test_sum_adds_the_series_present_at_each_step_and_is_absent_where_none_is() -> None:
    result = summed([_values(1, np.nan, 3), _values(np.nan, np.nan, 4)], 3)
    assert [None if np.isnan(v) else v for v in result.tolist()] == [1.0, None, 7.0]


def test_a_sum_of_increases_adds_each_series_increase() -> None:
    other = _series([0, 300], [0, 7], code="500")
    result = sum_of_rates([other, EVERY_MINUTE], _ms(300), 300_000, "increase")
    assert result.tolist() == [57.0]


def test_a_series_is_present_up_to_the_lookback_after_its_last_sample() -> None:
    found = present_within([EVERY_MINUTE], _ms(0, 600, 601, 1_000), 300_000)
    assert found.tolist() == [True, True, False, False]
    assert present_within([], _ms(0), 300_000).tolist() == [False]
