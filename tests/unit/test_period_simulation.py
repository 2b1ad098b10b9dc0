"""The Monte Carlo summary of simulated periods, the Wilson interval, and the bad events
of a latency SLI as the generated rules count them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from slo_engine.domain.backtest import EventSeries
from slo_engine.domain.latency_forecast import period_breach_probability, period_slow_shares
from slo_engine.domain.period_simulation import summarise_periods, wilson_interval
from slo_engine.domain.sli_events import daily_events, judged_bound, slow_events

INF = math.inf


def test_budget_use_is_each_periods_bad_ratio_over_the_budget() -> None:
    summary = summarise_periods(np.array([0.0, 0.125, 0.25, 0.5]), 0.25, 30)
    assert summary.iterations == 4
    assert summary.budget_use_quantiles[0.5] == 0.75
    assert summary.budget_use_quantiles[0.25] == 0.375
    assert summary.mean_budget_use_ratio == 0.875


def test_a_period_using_exactly_its_budget_is_not_a_breach() -> None:
    summary = summarise_periods(np.array([0.0, 0.125, 0.25, 0.5]), 0.25, 30)
    assert summary.breaches == 1
    assert summary.breach_probability == 0.25
    assert summary.standard_error == math.sqrt(0.25 * 0.75 / 4)


def test_expected_breaches_per_quarter_are_the_probability_times_the_periods_in_it() -> None:
    monthly = summarise_periods(np.array([0.0, 0.125, 0.25, 0.5]), 0.25, 30)
    assert monthly.periods_per_quarter == 91.3125 / 30
    assert monthly.expected_breaches_per_quarter == 0.25 * 91.3125 / 30
    weekly = summarise_periods(np.array([0.0, 0.5]), 0.25, 7)
    assert weekly.expected_breaches_per_quarter == 0.5 * 91.3125 / 7


def test_the_wilson_interval_of_5_in_100_is_the_textbook_one() -> None:
    # Newcombe, Statistics in Medicine 17 (1998), table I: 0.0215 to 0.1118 for 5/100.
    low, high = wilson_interval(5, 100)
    assert (round(low, 4), round(high, 4)) == (0.0215, 0.1118)


def test_the_wilson_interval_of_no_breach_is_not_empty() -> None:
    low, high = wilson_interval(0, 1000)
    z2 = 1.959963984540054 ** 2
    assert low == 0.0
    assert high == pytest.approx(z2 / (1000 + z2), rel=1e-12)
    assert wilson_interval(1000, 1000)[1] == 1.0


def test_a_latency_threshold_is_judged_at_the_bucket_at_or_above_it() -> None:
    bounds = np.array([0.1, 0.25, 0.5, INF])
    assert judged_bound(bounds, 0.25) == 0.25
    assert judged_bound(bounds, 0.3) == 0.5
    assert judged_bound(bounds, 0.30000000000000004) == 0.5
    with pytest.raises(ValueError, match="beyond the histogram's largest finite bucket"):
        judged_bound(bounds, 0.6)


def test_slow_requests_are_those_above_the_judged_bucket() -> None:
    counts = np.array([[50.0, 60.0], [90.0, 80.0], [99.0, 95.0], [100.0, 100.0]])
    series, bound = slow_events(0, 300, np.array([0.1, 0.25, 0.5, INF]), counts, 0.2)
    assert bound == 0.25
    assert series.total.tolist() == [100.0, 100.0]
    assert series.bad.tolist() == [10.0, 20.0]


def test_daily_events_count_whole_days_back_from_the_end() -> None:
    per_day = 288
    total = np.concatenate([np.full(5, 7.0), np.full(2 * per_day, 10.0)])
    bad = np.concatenate([np.full(5, 7.0), np.full(per_day, 1.0), np.full(per_day, np.nan)])
    slow, days = daily_events(EventSeries(0, 300, total, bad))
    assert slow.tolist() == [288.0, 0.0]
    assert days.tolist() == [2880.0, 2880.0]


def test_the_latency_bootstrap_draws_whole_periods_of_days_and_is_seeded() -> None:
    slow, total = np.arange(14.0), np.full(14, 100.0)
    first = period_slow_shares(slow, total, 7, 50, np.random.default_rng(3))
    again = period_slow_shares(slow, total, 7, 50, np.random.default_rng(3))
    assert first is not None
    assert again is not None
    assert first.tolist() == again.tolist()
    # every draw is one 7-day block of consecutive days: (3s + 21) / 700 for a start s
    assert set(np.round(first * 700).tolist()) <= {7.0 * s + 21 for s in range(8)}
    assert period_slow_shares(slow[:6], total[:6], 7, 50, np.random.default_rng(3)) is None


def test_the_latency_breach_probability_is_the_share_of_bootstrapped_periods_over() -> None:
    slow, total = np.arange(14.0), np.full(14, 100.0)
    shares = period_slow_shares(slow, total, 7, 2000, np.random.default_rng(0))
    assert shares is not None
    assert period_breach_probability(slow, total, 0.06, 7) == float(np.mean(shares > 0.06))
