"""The drift vote over a day-on-day deviation series (river's three detectors)."""

from __future__ import annotations

import numpy as np
import pytest

from slo_engine.domain.drift import detect_drift, seasonal_deviation, standardised

DAY = 288  # five-minute points


def diurnal_p99(days: int, seed: int, noise: float = 0.03) -> np.ndarray:
    """A p99 that is 20% higher every afternoon, with lognormal noise per point."""
    rng = np.random.default_rng(seed)
    t = np.arange(days * DAY)
    return 0.2 * (1 + 0.2 * np.sin(2 * np.pi * t / DAY)) * rng.lognormal(0, noise, len(t))


def test_the_deviation_compares_each_point_with_the_same_time_a_day_earlier() -> None:
    values = np.array([1.0, 2.0, 4.0, 2.0, 2.0, np.nan])
    deviation = seasonal_deviation(values, 2)
    assert np.isnan(deviation[:2]).all()
    assert deviation[2:5] == pytest.approx(np.log([4.0, 1.0, 0.5]))
    assert np.isnan(deviation[5])


def test_scores_are_in_units_of_the_reference_noise() -> None:
    reference = np.tile([-1.0, 0.0, 1.0], 10)
    scores = standardised(np.array([0.0, 1.4826, 100.0]), reference)
    assert scores == pytest.approx([0.0, 1.0, 6.0])  # the last one clipped


def test_a_daily_rhythm_with_noise_is_not_drift() -> None:
    values = diurnal_p99(3, seed=5)
    verdicts = [detect_drift(values[end - 2 * DAY:end], DAY, 3)
                for end in range(2 * DAY, 3 * DAY + 1, 3)]
    assert not any(v.confirmed for v in verdicts)


def test_a_twenty_percent_step_is_confirmed_after_it_happens() -> None:
    # How fast is `slo-engine bench drift`'s question; here: after it, never before.
    values = diurnal_p99(4, seed=11)
    shift = 3 * DAY + 120
    values[shift:] *= 1.2
    confirmed_at = [end for end in range(shift - 30, shift + 60, 3)
                    if detect_drift(values[end - 2 * DAY:end], DAY, 3).confirmed]
    assert confirmed_at
    assert min(confirmed_at) > shift


def test_a_series_without_a_previous_day_cannot_be_judged() -> None:
    verdict = detect_drift(diurnal_p99(1, seed=3), DAY, 3)
    assert (verdict.confirmed, verdict.points_judged) == (False, 0)
