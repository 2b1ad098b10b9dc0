"""The drift vote over a day-on-day deviation series (river's three detectors)."""

from __future__ import annotations

import numpy as np
import pytest

from slo_engine.adapters.river_drift import river_alarm_positions
from slo_engine.domain.drift import (
    DriftSettings,
    detect_drift,
    deviation_from_earlier,
    judge_deviation,
    seasonal_deviation,
    standardised,
)
from slo_engine.domain.webhook_signature import signature, verify

DAY = 1440  # one-minute points
SWEEP = 15


def diurnal_p99(days: int, seed: int, noise: float = 0.03) -> np.ndarray:
    """A p99 that is 20% higher every afternoon, with lognormal noise per point."""
    rng = np.random.default_rng(seed)
    t = np.arange(days * DAY)
    return 0.2 * (1 + 0.2 * np.sin(2 * np.pi * t / DAY)) * rng.lognormal(0, noise, len(t))


def test_the_deviation_compares_each_point_with_the_same_time_a_day_earlier() -> None:
    values = np.array([1.0, 2.0, 4.0, 2.0, 2.0, np.nan])
    deviation = seasonal_deviation(values, 2, half_width=0)
    assert np.isnan(deviation[:2]).all()
    assert deviation[2:5] == pytest.approx(np.log([4.0, 1.0, 0.5]))
    assert np.isnan(deviation[5])


def test_the_baseline_is_the_median_around_the_same_time_a_period_earlier() -> None:
    # Period 5, half width 1: point 6 is compared with the median of points 0, 1 and 2.
    values = np.array([1.0, 8.0, 2.0, 1.0, 1.0, 1.0, 4.0, 4.0])
    deviation = seasonal_deviation(values, 5, half_width=1)
    assert np.isnan(deviation[:6]).all()
    assert deviation[6] == pytest.approx(np.log(4.0 / 2.0))  # the 8 of a spike is ignored
    assert deviation[7] == pytest.approx(np.log(4.0 / 2.0))  # median of 8, 2, 1


def test_a_baseline_with_fewer_than_half_its_points_known_is_unknown() -> None:
    current = np.zeros(2)
    earlier = np.array([np.nan, np.nan, 0.5, np.nan])  # windows of three points
    deviation = deviation_from_earlier(current, earlier, half_width=1)
    assert np.isnan(deviation[0])
    assert np.isnan(deviation[1])
    known = deviation_from_earlier(current, np.array([np.nan, 0.5, 0.7, np.nan]), 1)
    assert known == pytest.approx([-0.6, -0.6])
    with pytest.raises(ValueError, match="needs 4 points"):
        deviation_from_earlier(current, earlier[:3], half_width=1)


def test_scores_are_in_units_of_the_reference_noise() -> None:
    reference = np.tile([-1.0, 0.0, 1.0], 10)
    scores = standardised(np.array([0.0, 1.4826, 100.0]), reference)
    assert scores == pytest.approx([0.0, 1.0, 4.0])  # the last one clipped


def test_a_quiet_series_is_measured_against_the_scale_floor() -> None:
    reference = np.zeros(30)
    scores = standardised(np.array([0.01, 0.1]), reference, scale_floor=0.05)
    assert scores == pytest.approx([0.2, 2.0])


def test_a_daily_rhythm_with_noise_is_not_drift() -> None:
    values = diurnal_p99(2, seed=5)
    verdicts = [detect_drift(values[:end], DAY, SWEEP, river_alarm_positions)
                for end in range(DAY + SWEEP, 2 * DAY + 1, SWEEP)]
    assert not any(v.confirmed for v in verdicts)
    assert all(v.points_judged == DriftSettings().detector_points for v in verdicts[10:])


def test_a_twenty_percent_step_is_confirmed_after_it_happens() -> None:
    # How fast is `slo-engine bench drift`'s question; here: after it, never before.
    values = diurnal_p99(2, seed=11)
    shift = DAY + 600
    values[shift:] *= 1.2
    verdicts = {end: detect_drift(values[:end], DAY, SWEEP, river_alarm_positions)
                for end in range(shift - 60, shift + 61, SWEEP)}
    confirmed_at = [end for end, verdict in verdicts.items() if verdict.confirmed]
    assert confirmed_at
    assert shift < min(confirmed_at) <= shift + 30
    assert len(verdicts[min(confirmed_at)].detectors) >= 2


def test_a_series_without_a_previous_day_cannot_be_judged() -> None:
    verdict = detect_drift(diurnal_p99(1, seed=3), DAY, SWEEP, river_alarm_positions)
    assert (verdict.confirmed, verdict.points_judged) == (False, 0)


def test_a_single_wild_minute_is_not_drift() -> None:
    rng = np.random.default_rng(4)
    deviation = rng.normal(0, 0.05, 200)
    deviation[-3] = 2.0  # a tripled p99 for one minute
    assert not judge_deviation(deviation, SWEEP, river_alarm_positions).confirmed


def test_the_vote_is_not_confirmed_again_once_it_lies_before_the_new_points() -> None:
    rng = np.random.default_rng(6)
    deviation = rng.normal(0, 0.05, 200)
    deviation[-40:] += np.log(1.3)
    assert judge_deviation(deviation[:-25], SWEEP, river_alarm_positions).confirmed
    # the vote was reached 25+ points ago
    assert not judge_deviation(deviation, SWEEP, river_alarm_positions).confirmed


def test_webhook_signatures_cover_the_timestamp_and_the_exact_body() -> None:
    header = signature("key", 1_700_000_000, b'{"a":1}')
    assert header.startswith("sha256=")
    assert len(header) == len("sha256=") + 64
    assert verify("key", 1_700_000_000, b'{"a":1}', header)
    assert not verify("key", 1_700_000_001, b'{"a":1}', header)
    assert not verify("key", 1_700_000_000, b'{"a": 1}', header)
    assert not verify("other", 1_700_000_000, b'{"a":1}', header)
