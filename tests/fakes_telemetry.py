"""An in-memory fake of the Telemetry port for use-case tests without a Prometheus server.

It holds, per service, the counters the adapter's default SLI queries read
(adapters/promql.py): `http_requests_total{code}`, `http_request_duration_seconds_bucket{le}`
and `container_cpu_cfs_throttled_seconds_total`, and answers each port method with what
Prometheus 2.42 (Debian's, the embedded store) answers those queries with, so it passes the
contract suite the adapter passes (tests/contract/test_telemetry.py):

- `increase(c[w])` is promql/functions.go `extrapolatedRate`, as domain/prometheus_rate.py
  computes it (the dry run's replay uses the same maths on raw samples).
- `sum` adds the series present (by label order) and is absent when none is; `a / b`,
  `a - b` keep the steps where both sides are; `a or 0 * b` fills a's gaps from b.
- `histogram_quantile` is promql/quantile.go `bucketQuantile` over the buckets present.
- a range query with (end - start) / step over 11,000 is refused (web/api/v1.go
  `queryRange`), as are an end before the start and a `[0s]` window: TelemetryQueryRejected,
  as the adapter raises it.
- `outage_retry_after_s` stands for a store that does not answer: DependencyUnavailable
  from every call, and that wait from retry_after_s once a call failed (the breaker's).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from slo_engine.adapters.promql import MAX_POINTS_PER_SERIES, step_for
from slo_engine.domain.drift import SliDeviation, deviation_from_earlier
from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.domain.prometheus_rate import increase, resets_up_to, summed
from slo_engine.domain.sli_aggregates import WindowCounts
from slo_engine.fleet.lognormal import lognormal_cdf
from slo_engine.fleet.openmetrics import BUCKETS_SECONDS
from slo_engine.fleet.simulation import FleetHistory

COMPONENT = "metrics store (in memory)"
P99 = 0.99


@dataclass(frozen=True)
class Counter:
    """One counter series: sample times (epoch seconds, ascending) and cumulative values."""

    stamps_s: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.stamps_s.shape != self.values.shape or self.stamps_s.ndim != 1:
            raise ValueError("a counter needs one value per sample time")
        if np.any(np.diff(self.stamps_s) <= 0):
            raise ValueError("sample times must ascend")

    @classmethod
    def sampled(cls, stamps_s: Sequence[int] | np.ndarray, values: Sequence[float] | np.ndarray
                ) -> Counter:
        return cls(np.asarray(stamps_s, dtype=np.int64), np.asarray(values, dtype=float))

    @classmethod
    def regular(cls, start_s: int, step_s: int, values: Sequence[float] | np.ndarray
                ) -> Counter:
        """Cumulative values sampled every step from start."""
        return cls.sampled(start_s + step_s * np.arange(len(values)), values)

    @classmethod
    def counting(cls, start_s: int, step_s: int, increments: Sequence[float] | np.ndarray
                 ) -> Counter:
        """A counter at 0 at start that grows by increments[k] in the step ending at
        start + (k + 1) step: request_counts at that step reads increments[k] exactly."""
        return cls.regular(start_s, step_s, np.concatenate([[0.0], np.cumsum(increments)]))

    @cached_property
    def stamps_ms(self) -> np.ndarray:
        return self.stamps_s * 1000

    @cached_property
    def resets_before(self) -> np.ndarray:
        """How many resets (a value below the one before) up to and including each sample."""
        return resets_up_to(self.values)


@dataclass(frozen=True)
class ServiceSeries:
    """What the store holds for one service: requests by status code, latency buckets by
    upper bound in seconds (+Inf included), CPU seconds throttled."""

    requests: Mapping[str, Counter] = field(default_factory=dict)
    latency_buckets: Mapping[float, Counter] = field(default_factory=dict)
    throttled_seconds: Counter | None = None

    @classmethod
    def counting(cls, start_s: int, step_s: int, requests: Sequence[float] | np.ndarray,
                 failures: Sequence[float] | np.ndarray | None = None,
                 bucket_counts: Mapping[float, Sequence[float] | np.ndarray] | None = None,
                 throttled_s: Sequence[float] | np.ndarray | None = None) -> ServiceSeries:
        """Per-step requests, failures (code 500; the rest 200), requests at or under each
        bound, and CPU seconds throttled, each counted from 0 at start (Counter.counting)."""
        total = np.asarray(requests, dtype=float)
        failed = np.zeros_like(total) if failures is None else np.asarray(failures, dtype=float)
        codes = {"200": Counter.counting(start_s, step_s, total - failed)}
        if failures is not None:
            codes["500"] = Counter.counting(start_s, step_s, failed)
        buckets = {le: Counter.counting(start_s, step_s, counts)
                   for le, counts in (bucket_counts or {}).items()}
        throttled = (None if throttled_s is None
                     else Counter.counting(start_s, step_s, throttled_s))
        return cls(codes, buckets, throttled)


def fleet_series(history: FleetHistory, buckets: tuple[float, ...] = BUCKETS_SECONDS
                 ) -> dict[str, ServiceSeries]:
    """The series fleet/openmetrics.py writes for this history, values as written."""
    stamps = history.start_s + history.step_s * np.arange(history.steps)
    return {service: _fleet_service(history, i, stamps, buckets)
            for i, service in enumerate(history.services)}


def _fleet_service(history: FleetHistory, i: int, stamps: np.ndarray,
                   buckets: tuple[float, ...]) -> ServiceSeries:
    requests, failures = history.requests[i], history.failures[i]
    median, sigma = history.latency_median_s[i], float(history.latency_sigma[i])
    codes = {"200": Counter.sampled(stamps, _written(np.cumsum(requests - failures), 12)),
             "500": Counter.sampled(stamps, _written(np.cumsum(failures), 12))}
    latency = {le: Counter.sampled(stamps, _written(
        np.rint(np.cumsum(requests * lognormal_cdf(le, median, sigma))), 15)) for le in buckets}
    latency[float("inf")] = Counter.sampled(stamps, _written(np.cumsum(requests), 15))
    throttled = Counter.sampled(stamps, _written(np.cumsum(history.throttled_s[i]), 8))
    return ServiceSeries(codes, latency, throttled)


def _written(values: np.ndarray, digits: int) -> np.ndarray:
    """Values as `{v:.{digits}g}` text reads back (whole numbers that fit pass unchanged)."""
    if np.array_equal(values, np.rint(values)) and np.all(np.abs(values) < 10.0 ** digits):
        return values
    return np.array([float(f"{v:.{digits}g}") for v in values.tolist()])


def counter_increase(counter: Counter, at_ms: np.ndarray, range_ms: int) -> np.ndarray:
    """Prometheus 2.42 `increase(c[range])` at each time (domain/prometheus_rate.py)."""
    return increase(counter.stamps_ms, counter.values, at_ms, range_ms, counter.resets_before)


def bucket_quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """promql/quantile.go `bucketQuantile` (2.42) over (upper bound, cumulative count)."""
    ordered = sorted(buckets)
    if not ordered or ordered[-1][0] != float("inf") or len(ordered) < 2:
        return float("nan")
    bounds = [b for b, _ in ordered]
    counts = np.maximum.accumulate([c for _, c in ordered]).tolist()
    observations = counts[-1]
    if observations == 0:
        return float("nan")
    rank = q * observations
    b = next((i for i in range(len(counts) - 1) if counts[i] >= rank), len(counts) - 1)
    if b == len(counts) - 1:
        return float(bounds[-2])
    if b == 0 and bounds[0] <= 0:
        return float(bounds[0])
    start, count = 0.0, counts[b]
    if b > 0:
        start, count, rank = bounds[b - 1], count - counts[b - 1], rank - counts[b - 1]
    return float(start + (bounds[b] - start) * (rank / count))


def _window_ms(window_s: int) -> int:
    """A range selector's length; PromQL refuses one of no time (`[0s]`)."""
    if window_s <= 0:
        raise TelemetryQueryRejected(f"a [{window_s}s] range",
                                     "parse error: duration must be greater than 0")
    return window_s * 1000


def finite(values: np.ndarray) -> np.ndarray:
    """NaN for the +-Inf and NaN a ratio or logarithm of zero gives (as the adapter)."""
    return np.where(np.isfinite(values), values, np.nan)


class InMemoryTelemetry:
    """Knows how to answer the Telemetry port from counters in memory, as Prometheus does."""

    def __init__(self, services: Mapping[str, ServiceSeries], error_codes: str = "5..",
                 outage_retry_after_s: float | None = None) -> None:
        self.services = dict(services)
        self._failed = re.compile(error_codes)
        # While set, every read fails as DependencyUnavailable naming this wait, and
        # retry_after_s says it from the first failure on (the adapter's breaker).
        self.outage_retry_after_s = outage_retry_after_s
        self._wait_s = 0.0

    @classmethod
    def from_fleet_history(cls, history: FleetHistory,
                           buckets: tuple[float, ...] = BUCKETS_SECONDS) -> InMemoryTelemetry:
        return cls(fleet_series(history, buckets))

    def retry_after_s(self) -> float:
        return self._wait_s

    def step_for(self, range_s: int, preferred_step_s: int) -> int:
        return step_for(range_s, preferred_step_s)

    async def ready(self) -> None:
        self._answering()

    async def request_counts(self, service_id: str, start_s: int, end_s: int, step_s: int
                             ) -> tuple[np.ndarray, np.ndarray]:
        at = self._range(start_s, end_s, step_s)
        total, failed = self._requests(service_id, at, step_s)
        return total, np.where(np.isnan(failed) & ~np.isnan(total), 0.0, failed)

    async def request_counts_of_services(self, service_ids: list[str], start_s: int,
                                         end_s: int, step_s: int
                                         ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        at = self._range(start_s, end_s, step_s)
        found = {}
        for service_id in dict.fromkeys(service_ids):
            total, failed = self._requests(service_id, at, step_s)
            if not np.isnan(total).all():
                found[service_id] = (total,
                                     np.where(np.isnan(failed) & ~np.isnan(total), 0.0, failed))
        return found

    async def latency_histogram(self, service_id: str, start_s: int, end_s: int,
                                window_s: int) -> tuple[np.ndarray, np.ndarray]:
        first = end_s if window_s >= end_s - start_s else start_s
        at = self._range(first, end_s, window_s)
        rows = self._buckets(service_id, at, window_s)
        counts = np.array([row for _, row in rows], dtype=float).reshape(len(rows), len(at))
        return np.array([le for le, _ in rows], dtype=float), np.nan_to_num(counts)

    async def availabilities(self, service_ids: list[str], start_s: int, end_s: int
                             ) -> dict[str, float | None]:
        at = self._instant(end_s)
        found: dict[str, float | None] = dict.fromkeys(service_ids)
        for service_id in found:
            total, failed = (float(v[0]) for v in self._requests(service_id, at,
                                                                 end_s - start_s))
            if not np.isnan(total) and total:
                found[service_id] = 1.0 - (0.0 if np.isnan(failed) else failed) / total
        return found

    async def window_counts(self, service_ids: list[str], window_s: int, end_s: int
                            ) -> dict[str, WindowCounts]:
        at = self._instant(end_s)
        found = {}
        for service_id in dict.fromkeys(service_ids):
            total, failed = (float(v[0]) for v in self._requests(service_id, at, window_s))
            rows = self._buckets(service_id, at, window_s)
            if np.isnan(total) and not rows:
                continue
            found[service_id] = WindowCounts(
                0.0 if np.isnan(total) else total, 0.0 if np.isnan(failed) else failed,
                np.array([le for le, _ in rows], dtype=float),
                np.array([float(row[0]) for _, row in rows], dtype=float))
        return found

    async def day_on_day_deviation(self, service_ids: list[str], start_s: int, end_s: int,
                                   step_s: int, period_s: int, baseline_half_width_steps: int
                                   ) -> dict[str, SliDeviation]:
        now = self._range(start_s, end_s, step_s)
        margin_s = baseline_half_width_steps * step_s
        earlier = self._range(start_s - period_s - margin_s, end_s - period_s + margin_s,
                              step_s)
        unknown = np.full(len(now), np.nan)
        found = {}
        for service_id in dict.fromkeys(service_ids):
            p99_now = self._p99_log(service_id, now, step_s)
            errors = self._error_ratio_change(service_id, now, step_s, period_s * 1000)
            if p99_now is None and errors is None:
                continue
            p99_earlier = self._p99_log(service_id, earlier, step_s)
            latency = unknown
            if p99_now is not None and p99_earlier is not None:
                latency = deviation_from_earlier(finite(p99_now), finite(p99_earlier),
                                                 baseline_half_width_steps)
            found[service_id] = SliDeviation(latency, unknown if errors is None
                                             else finite(errors))
        return found

    async def throttled_ratio(self, service_id: str, start_s: int, end_s: int) -> float | None:
        at, window_ms = self._instant(end_s), _window_ms(end_s - start_s)
        series = self.services.get(service_id, ServiceSeries()).throttled_seconds
        throttled = (np.nan if series is None
                     else float(counter_increase(series, at, window_ms)[0]))
        return None if np.isnan(throttled) else throttled / (end_s - start_s)

    def _answering(self) -> None:
        if self.outage_retry_after_s is not None:
            self._wait_s = self.outage_retry_after_s
            raise DependencyUnavailable(COMPONENT, "the test's outage",
                                        self.outage_retry_after_s)

    def _instant(self, at_s: int) -> np.ndarray:
        self._answering()
        return np.array([at_s * 1000], dtype=np.int64)

    def _range(self, start_s: int, end_s: int, step_s: int) -> np.ndarray:
        """Evaluation times (ms) of a range query; refused as Prometheus refuses them."""
        self._answering()
        query = f"range {start_s}..{end_s} step {step_s}"
        if end_s < start_s or step_s <= 0:
            raise TelemetryQueryRejected(query, "end before start, or a step of no time")
        if (end_s - start_s) // step_s > MAX_POINTS_PER_SERIES:
            raise TelemetryQueryRejected(query, "exceeded maximum resolution of 11,000 "
                                                "points per timeseries")
        return np.arange(start_s, end_s + 1, step_s, dtype=np.int64) * 1000

    def _requests(self, service_id: str, at_ms: np.ndarray, window_s: int
                  ) -> tuple[np.ndarray, np.ndarray]:
        """sum(increase(requests[window])) of all codes and of the failed ones."""
        codes = sorted(self.services.get(service_id, ServiceSeries()).requests.items())
        window_ms = _window_ms(window_s)
        increases = [(code, counter_increase(counter, at_ms, window_ms))
                     for code, counter in codes]
        return (summed([part for _, part in increases], len(at_ms)),
                summed([part for code, part in increases if self._failed.fullmatch(code)],
                       len(at_ms)))

    def _buckets(self, service_id: str, at_ms: np.ndarray, window_s: int
                 ) -> list[tuple[float, np.ndarray]]:
        """sum by (le) (increase(buckets[window])): the bounds with a value at some step."""
        buckets = self.services.get(service_id, ServiceSeries()).latency_buckets
        window_ms = _window_ms(window_s)
        rows = [(le, counter_increase(buckets[le], at_ms, window_ms)) for le in sorted(buckets)]
        return [(le, row) for le, row in rows if not np.isnan(row).all()]

    def _p99_log(self, service_id: str, at_ms: np.ndarray, step_s: int) -> np.ndarray | None:
        """ln(histogram_quantile(0.99, ...)) per step; None when no step has buckets."""
        rows = self._buckets(service_id, at_ms, step_s)
        if not rows:
            return None
        quantiles = np.array([
            bucket_quantile(P99, [(le, float(row[k])) for le, row in rows
                                  if not np.isnan(row[k])])
            if any(not np.isnan(row[k]) for _, row in rows) else np.nan
            for k in range(len(at_ms))])
        with np.errstate(divide="ignore", invalid="ignore"):
            logs: np.ndarray = np.log(quantiles)
        return logs

    def _error_ratio_change(self, service_id: str, at_ms: np.ndarray, step_s: int,
                            period_ms: int) -> np.ndarray | None:
        """(failed or 0 * total) / total now minus the same one period earlier; None when
        no step has both."""
        total_now, failed_now = self._requests(service_id, at_ms, step_s)
        total_then, failed_then = self._requests(service_id, at_ms - period_ms, step_s)
        both = ~np.isnan(total_now) & ~np.isnan(total_then)
        if not both.any():
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            now = np.where(np.isnan(failed_now), 0.0 * total_now, failed_now) / total_now
            then = np.where(np.isnan(failed_then), 0.0 * total_then, failed_then) / total_then
        change: np.ndarray = np.where(both, now - then, np.nan)
        return change
