"""The generated alerts' conditions evaluated from raw samples (domain/burn_evaluation.py):
error ratios as the recording rules write them, pairs, the minimum traffic and absence."""

from __future__ import annotations

import numpy as np

from slo_engine.domain.burn_evaluation import (
    BurnEvaluation,
    BurnPair,
    SliCounters,
    error_ratio,
    step_counts,
)
from slo_engine.domain.prometheus_rate import RawSeries

MINUTE = 60


def _counter(per_minute: list[float], labels: dict[str, str] | None = None) -> RawSeries:
    """A counter from 0 at time 0 growing by per_minute[k] in minute k + 1."""
    stamps = np.arange(len(per_minute) + 1, dtype=np.int64) * MINUTE * 1000
    return RawSeries(labels or {}, stamps, np.concatenate([[0.0], np.cumsum(per_minute)]))


def _at(*minutes: int) -> np.ndarray:
    return np.array(minutes, dtype=np.int64) * MINUTE * 1000


ALL = _counter([100.0] * 20, {"code": "200"})
FAILED = _counter([0.0] * 10 + [25.0] * 10, {"code": "500"})


def test_an_availability_ratio_without_failed_series_is_zero_where_requests_are() -> None:
    ratio = error_ratio(SliCounters([], [ALL], latency=False), _at(0, 5), 300)
    assert [None if np.isnan(v) else v for v in ratio.tolist()] == [None, 0.0]


def test_an_availability_ratio_is_failed_over_all_requests() -> None:
    ratio = error_ratio(SliCounters([FAILED], [ALL], latency=False), _at(15), 300)
    assert ratio.tolist() == [0.25]


def test_a_latency_ratio_is_one_minus_the_share_within_the_bucket() -> None:
    within = _counter([75.0] * 20)
    ratio = error_ratio(SliCounters([within], [ALL], latency=True), _at(10), 300)
    assert ratio.tolist() == [0.25]


def test_a_pair_fires_where_both_windows_burn_and_the_long_one_saw_enough_requests() -> None:
    counters = SliCounters([FAILED], [ALL, FAILED], latency=False)
    # at 12 minutes 50 of 1,050 requests failed in 10 minutes; at 13, 75 of 1,075
    evaluation = BurnEvaluation(counters, _at(10, 12, 13, 20))
    pair = BurnPair(long_seconds=600, short_seconds=120, threshold_ratio=0.05)
    assert evaluation.pair_firing(pair, min_events=20).tolist() == [False, False, True, True]
    assert evaluation.pair_firing(pair, min_events=2_000).tolist() == [False] * 4
    assert evaluation.burn_firing([pair, BurnPair(600, 60, 0.5)], 20).tolist() == [
        False, False, True, True]


def test_the_absence_alert_fires_past_the_lookback_after_the_last_sample() -> None:
    evaluation = BurnEvaluation(SliCounters([], [ALL], latency=False), _at(20, 25, 26))
    assert evaluation.absent_firing().tolist() == [False, False, True]


def test_budget_steps_count_a_latency_slis_failed_requests_as_all_minus_within() -> None:
    within = _counter([75.0] * 20)
    failed, total = step_counts(SliCounters([within], [ALL], latency=True), _at(5, 10), 300)
    assert (failed.tolist(), total.tolist()) == ([125.0, 125.0], [500.0, 500.0])
