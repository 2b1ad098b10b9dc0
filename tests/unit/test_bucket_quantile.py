"""Histogram quantiles computed as Prometheus's histogram_quantile does."""

from __future__ import annotations

import math

import pytest

from slo_engine.domain.bucket_quantile import (
    LatencyQuantiles,
    bucket_quantile,
    latency_quantiles,
)

INF = math.inf
BUCKETS = [(0.1, 50.0), (0.5, 90.0), (1.0, 100.0), (INF, 100.0)]


def test_the_median_interpolates_linearly_within_the_first_bucket_from_zero() -> None:
    assert bucket_quantile(0.5, BUCKETS) == pytest.approx(0.1)
    assert bucket_quantile(0.25, BUCKETS) == pytest.approx(0.05)


def test_a_rank_in_a_later_bucket_interpolates_between_its_bounds() -> None:
    assert bucket_quantile(0.7, BUCKETS) == pytest.approx(0.1 + 0.4 * 20 / 40)
    assert bucket_quantile(0.99, BUCKETS) == pytest.approx(0.5 + 0.5 * 9 / 10)


def test_a_rank_in_the_infinite_bucket_answers_the_highest_finite_bound() -> None:
    buckets = [(0.1, 50.0), (0.5, 90.0), (INF, 100.0)]
    assert bucket_quantile(0.99, buckets) == 0.5


def test_buckets_in_any_order_give_the_same_quantile() -> None:
    assert bucket_quantile(0.7, list(reversed(BUCKETS))) == bucket_quantile(0.7, BUCKETS)


def test_no_samples_no_infinite_bucket_or_a_single_bucket_give_no_quantile() -> None:
    assert bucket_quantile(0.5, [(0.1, 0.0), (INF, 0.0)]) is None
    assert bucket_quantile(0.5, [(0.1, 5.0), (0.5, 9.0)]) is None
    assert bucket_quantile(0.5, [(INF, 9.0)]) is None
    assert bucket_quantile(0.5, []) is None


def test_a_first_bucket_at_or_below_zero_answers_its_bound() -> None:
    assert bucket_quantile(0.5, [(0.0, 10.0), (1.0, 10.0), (INF, 10.0)]) == 0.0


def test_counts_falling_with_le_are_raised_to_the_bucket_below() -> None:
    assert bucket_quantile(0.99, [(0.1, 50.0), (0.5, 101.0), (1.0, 99.5), (INF, 100.0)]
                           ) == pytest.approx(0.1 + 0.4 * (0.99 * 101 - 50) / 51)


def test_latency_quantiles_are_the_p50_and_p99_or_none_without_samples() -> None:
    found = latency_quantiles(BUCKETS)
    assert isinstance(found, LatencyQuantiles)
    assert found.p50_s == pytest.approx(0.1)
    assert found.p99_s == pytest.approx(0.95)
    assert latency_quantiles([(0.1, 0.0), (INF, 0.0)]) is None
