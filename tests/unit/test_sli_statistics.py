from __future__ import annotations

import numpy as np
import pytest

from slo_engine.domain.sli_statistics import (
    block_bootstrap_ratio_ci,
    breach_probability,
    default_block_length,
    error_budget_minutes,
    rolling_window_ratios,
)


def test_rolling_windows_sum_counts_before_dividing() -> None:
    good = np.array([99, 50, 100, 0], dtype=float)
    total = np.array([100, 100, 100, 0], dtype=float)
    # Windows of 2: (149/200), (150/200), (100/100): a ratio of sums, not a mean of ratios.
    assert rolling_window_ratios(good, total, 2).tolist() == [0.745, 0.75, 1.0]


def test_windows_without_traffic_or_data_are_dropped() -> None:
    good = np.array([np.nan, np.nan, 10.0])
    total = np.array([np.nan, np.nan, 10.0])
    assert rolling_window_ratios(good, total, 1).tolist() == [1.0]
    assert rolling_window_ratios(good, total, 5).size == 0


def test_breach_probability_is_the_share_of_windows_missing_the_target() -> None:
    windows = np.array([0.999, 0.998, 0.9995, 0.997])
    assert breach_probability(windows, 0.998) == 0.25
    latencies = np.array([0.2, 0.4, 0.8, 1.6])
    assert breach_probability(latencies, 0.5, higher_is_better=False) == 0.5
    with pytest.raises(ValueError, match="no windows"):
        breach_probability(np.array([]), 0.9)


def test_error_budget_minutes_match_the_trd_examples() -> None:
    assert error_budget_minutes(0.999) == pytest.approx(43.8)
    assert error_budget_minutes(0.9995) == pytest.approx(21.9)


def test_the_default_block_length_grows_as_the_cube_root() -> None:
    assert [default_block_length(n) for n in (1, 8, 1000, 8640)] == [1, 2, 10, 21]


def coverage_on_ar1(block_length: int | None, trials: int = 60) -> float:
    """How often the 95% interval for the mean of an AR(1) series (phi 0.8) holds 0."""
    rng = np.random.default_rng(1)
    covered = 0
    for trial in range(trials):
        noise = rng.normal(size=600)
        series = np.empty(600)
        series[0] = noise[0]
        for t in range(1, 600):
            series[t] = 0.8 * series[t - 1] + noise[t]
        ci = block_bootstrap_ratio_ci(series, np.ones(600), resamples=400, seed=trial,
                                      block_length=block_length)
        covered += ci.low <= 0.0 <= ci.high
    return covered / trials


def test_blocks_keep_coverage_on_autocorrelated_data_where_iid_resampling_fails() -> None:
    assert coverage_on_ar1(block_length=None) >= 0.8
    assert coverage_on_ar1(block_length=1) <= 0.65


def test_the_interval_is_deterministic_for_a_seed_and_ordered() -> None:
    failed = 1 + np.sin(np.arange(200) / 5.0)
    total = np.full(200, 100.0)
    first = block_bootstrap_ratio_ci(failed, total, seed=3)
    again = block_bootstrap_ratio_ci(failed, total, seed=3)
    assert first == again
    assert first.low <= failed.sum() / total.sum() <= first.high
    assert first.confidence == 0.95
    with pytest.raises(ValueError, match="non-zero"):
        block_bootstrap_ratio_ci(np.zeros(5), np.zeros(5))


def test_histogram_quantile_interpolates_like_prometheus() -> None:
    from slo_engine.domain.sli_statistics import histogram_quantile

    bounds = np.array([0.1, 0.5, 1.0, np.inf])
    cumulative = np.array([[50, 0, 10], [90, 0, 10], [100, 0, 10], [100, 0, 20]])
    p50, p95, p99 = (histogram_quantile(q, bounds, cumulative) for q in (0.5, 0.95, 0.99))
    assert p50[0] == pytest.approx(0.1)                 # rank 50 ends bucket one
    assert p95[0] == pytest.approx(0.5 + 0.5 * 5 / 10)  # 5 of 10 into (0.5, 1.0]
    assert np.isnan(p50[1])                             # no observations
    assert p99[2] == 1.0                                # in +Inf: highest finite bound
    assert p50[2] == pytest.approx(0.1)
