"""The telemetry port on the Prometheus HTTP API (Mimir speaks the same API).

Knows how to turn PromQL into numpy series aligned to query steps. For background jobs,
transient failures (connection errors, 5xx, 429) are retried after 1, 2 and 4 s; the
request path (`for_requests`) makes one attempt per query, bounded by its deadline,
because a person is waiting and a stored answer exists. A circuit breaker, shared by
both, stops calling a Prometheus that keeps failing; all of it ends in
DependencyUnavailable (with the breaker's wait), which the API turns into a stale answer
or a 503, never a 500.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import httpx
import numpy as np
import orjson

from slo_engine.adapters.circuit_breaker import CircuitBreaker, CircuitOpen
from slo_engine.adapters.promql import SliQueries, step_for
from slo_engine.domain.drift import SliDeviation, deviation_from_earlier
from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.domain.sli_aggregates import WindowCounts

RETRY_DELAYS_SECONDS = (1.0, 2.0, 4.0)
COMPONENT = "metrics store (Prometheus)"
DEFAULT_QUERIES = SliQueries()
SERVICES_PER_QUERY = 250  # ~6 KB of names per regex matcher
RANGE_SERVICES_PER_QUERY = 50  # 90 days at 15 minutes: ~430,000 points an answer
Params = Mapping[str, Any] | Sequence[tuple[str, Any]]


class QueryObserver(Protocol):
    """Knows how to record one query's latency and failure (the engine's own metrics)."""

    def __call__(self, query_type: str, seconds: float, error_type: str | None) -> None: ...


class _Transient(Exception):
    """A failure worth retrying."""


class PrometheusTelemetry:
    def __init__(
        self,
        base_url: str,
        timeout_s: float = 10.0,
        retry_delays_s: Sequence[float] = RETRY_DELAYS_SECONDS,
        breaker: CircuitBreaker | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        client: httpx.AsyncClient | None = None,
        queries_for: Callable[[str], SliQueries] = lambda _service: DEFAULT_QUERIES,
        observe: QueryObserver | None = None,
    ) -> None:
        self._observe = observe
        self._queries_for = queries_for
        self._client = client or httpx.AsyncClient(base_url=base_url, timeout=timeout_s)
        self._retry_delays = tuple(retry_delays_s)
        self.breaker = breaker or CircuitBreaker()
        self._sleep = sleep
        self._attempt_timeout: httpx.Timeout | None = None  # None: the client's own

    def for_requests(self, deadline_s: float) -> PrometheusTelemetry:
        """The same store for the request path: no retries, each attempt bounded by the
        deadline; the client, breaker and observer are shared (one pool, one health)."""
        sibling = PrometheusTelemetry("", retry_delays_s=(), breaker=self.breaker,
                                      sleep=self._sleep, client=self._client,
                                      queries_for=self._queries_for, observe=self._observe)
        sibling._attempt_timeout = httpx.Timeout(deadline_s)
        return sibling

    def retry_after_s(self) -> float:
        return self.breaker.retry_after_s

    def step_for(self, range_s: int, preferred_step_s: int) -> int:
        return step_for(range_s, preferred_step_s)

    async def close(self) -> None:
        await self._client.aclose()

    async def range_series(self, query: str, start_s: int, end_s: int, step_s: int
                           ) -> np.ndarray:
        """One value per step from start to end inclusive; NaN where Prometheus has none.
        The query must return at most one series (aggregate it)."""
        data = await self._get("/api/v1/query_range", query, {
            "start": start_s, "end": end_s, "step": step_s})
        steps = (end_s - start_s) // step_s + 1
        series = data["result"]
        if len(series) > 1:
            raise TelemetryQueryRejected(query, f"returned {len(series)} series, expected one")
        if not series:
            return np.full(steps, np.nan)
        return _on_steps(series[0]["values"], start_s, step_s, steps)

    async def range_vectors(self, query: str, label: str, start_s: int, end_s: int,
                            step_s: int) -> dict[str, np.ndarray]:
        """Like range_series for a query returning one series per value of `label`."""
        data = await self._get("/api/v1/query_range", query, {
            "start": start_s, "end": end_s, "step": step_s})
        steps = (end_s - start_s) // step_s + 1
        return {series["metric"].get(label, ""): _on_steps(series["values"], start_s, step_s,
                                                          steps)
                for series in data["result"]}

    async def instant_result(self, query: str, at_s: int) -> list[dict[str, Any]]:
        """An instant query's result as Prometheus gives it (a range selector's: a matrix
        of every matching series' raw samples)."""
        data = await self._get("/api/v1/query", query, {"time": at_s})
        return list(data["result"])

    async def range_result(self, query: str, start_s: int, end_s: int, step_s: int
                           ) -> list[dict[str, Any]]:
        """A range query's result as Prometheus gives it."""
        params = {"start": start_s, "end": end_s, "step": step_s}
        return list((await self._get("/api/v1/query_range", query, params))["result"])

    async def api_data(self, path: str, params: Sequence[tuple[str, str | int]]) -> Any:
        """The `data` of another endpoint (label values, metadata); match[] as pairs."""
        return await self._get(path, "", params)

    async def instant_value(self, query: str, at_s: int) -> float | None:
        data = await self._get("/api/v1/query", query, {"time": at_s})
        result = data["result"]
        return float(result[0]["value"][1]) if result else None

    async def instant_series(self, query: str, at_s: int) -> list[tuple[dict[str, str], float]]:
        """Each series' labels and value at at_s."""
        data = await self._get("/api/v1/query", query, {"time": at_s})
        return [(series["metric"], float(series["value"][1])) for series in data["result"]]

    async def request_counts(self, service_id: str, start_s: int, end_s: int, step_s: int
                             ) -> tuple[np.ndarray, np.ndarray]:
        queries = self._queries_for(service_id)
        total, failed = await asyncio.gather(
            self.range_series(queries.total_requests(service_id, step_s), start_s, end_s, step_s),
            self.range_series(queries.failed_requests(service_id, step_s), start_s, end_s,
                              step_s))
        # A step with traffic but no failed series has zero failures, not missing data.
        failed = np.where(np.isnan(failed) & ~np.isnan(total), 0.0, failed)
        return total, failed

    async def request_counts_of_services(self, service_ids: list[str], start_s: int,
                                         end_s: int, step_s: int
                                         ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """request_counts for many services: two range queries per chunk of services
        (small chunks: each answer holds a point per step and service)."""
        found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for queries, members in self._query_chunks(service_ids, RANGE_SERVICES_PER_QUERY):
            label = queries.service_label
            total, failed = await asyncio.gather(
                self.range_vectors(queries.total_requests_by_service(members, step_s), label,
                                   start_s, end_s, step_s),
                self.range_vectors(queries.failed_requests_by_service(members, step_s), label,
                                   start_s, end_s, step_s))
            for service_id, requests in total.items():
                errors = failed.get(service_id, np.full(requests.size, np.nan))
                found[service_id] = (requests,
                                     np.where(np.isnan(errors) & ~np.isnan(requests), 0.0,
                                              errors))
        return found

    async def latency_histogram(self, service_id: str, start_s: int, end_s: int,
                                window_s: int) -> tuple[np.ndarray, np.ndarray]:
        """(upper bounds ascending, cumulative counts [bucket, window]) for windows ending
        every `window_s`; one window over the whole range when window_s is the range."""
        query = self._queries_for(service_id).latency_buckets(service_id, window_s)
        data = await self._get("/api/v1/query_range", query, {
            "start": end_s if window_s >= end_s - start_s else start_s, "end": end_s,
            "step": window_s})
        first = end_s if window_s >= end_s - start_s else start_s
        steps = (end_s - first) // window_s + 1
        buckets = sorted(data["result"], key=lambda s: float(s["metric"].get("le", "inf")))
        counts = np.full((len(buckets), steps), np.nan)
        for row, series in enumerate(buckets):
            for stamp, value in series["values"]:
                counts[row, round((float(stamp) - first) / window_s)] = float(value)
        bounds = np.array([float(s["metric"].get("le", "inf")) for s in buckets])
        return bounds * self._queries_for(service_id).duration_unit_seconds, \
            np.nan_to_num(counts)

    async def availability(self, service_id: str, start_s: int, end_s: int) -> float | None:
        return (await self.availabilities([service_id], start_s, end_s))[service_id]

    async def availabilities(self, service_ids: list[str], start_s: int, end_s: int
                             ) -> dict[str, float | None]:
        """Two queries per query configuration and per chunk of services (a chunk keeps
        the URL of its regex matcher short), all chunks at once."""
        found: dict[str, float | None] = dict.fromkeys(service_ids)
        chunks = self._query_chunks(service_ids)
        for ratios in await asyncio.gather(*(
                self._chunk_availabilities(queries, members, end_s - start_s, end_s)
                for queries, members in chunks)):
            found.update(ratios)
        return found

    async def _chunk_availabilities(self, queries: SliQueries, members: list[str],
                                    window_s: int, end_s: int) -> dict[str, float]:
        total, failed = await asyncio.gather(
            self.instant_vector(queries.total_requests_by_service(members, window_s),
                                queries.service_label, end_s),
            self.instant_vector(queries.failed_requests_by_service(members, window_s),
                                queries.service_label, end_s))
        return {s: 1.0 - failed.get(s, 0.0) / total[s] for s in members if total.get(s)}

    async def instant_vector(self, query: str, label: str, at_s: int) -> dict[str, float]:
        data = await self._get("/api/v1/query", query, {"time": at_s})
        return {series["metric"].get(label, ""): float(series["value"][1])
                for series in data["result"]}

    async def window_counts(self, service_ids: list[str], window_s: int, end_s: int
                            ) -> dict[str, WindowCounts]:
        """Requests, failures and latency buckets over one window for many services: three
        queries per query configuration, each over every service of the fleet at once
        (grouped by service), whatever the fleet's size."""
        found: dict[str, WindowCounts] = {}
        for queries, members in self._by_configuration(service_ids):
            total, failed, buckets = await asyncio.gather(
                self.instant_vector(queries.requests_of_every_service(window_s),
                                    queries.service_label, end_s),
                self.instant_vector(queries.failed_requests_of_every_service(window_s),
                                    queries.service_label, end_s),
                self._get("/api/v1/query", queries.latency_buckets_of_every_service(window_s),
                          {"time": end_s}))
            histograms = _histograms_by_service(buckets["result"], queries.service_label,
                                                queries.duration_unit_seconds)
            for service_id in members:
                if service_id not in total and service_id not in histograms:
                    continue
                bounds, counts = histograms.get(service_id, (np.empty(0), np.empty(0)))
                found[service_id] = WindowCounts(total.get(service_id, 0.0),
                                                 failed.get(service_id, 0.0), bounds, counts)
        return found

    async def day_on_day_deviation(self, service_ids: list[str], start_s: int, end_s: int,
                                   step_s: int, period_s: int, baseline_half_width_steps: int
                                   ) -> dict[str, SliDeviation]:
        """Three range queries per query configuration and chunk of services: p99 now and
        around the same time one period earlier (the baseline is the domain's), and the
        error ratio's deviation, which Prometheus computes."""
        chunks = self._query_chunks(service_ids)
        steps = (end_s - start_s) // step_s + 1
        unknown = np.full(steps, np.nan)
        margin_s = baseline_half_width_steps * step_s
        earlier_start_s, earlier_end_s = start_s - period_s - margin_s, end_s - period_s + margin_s
        found: dict[str, SliDeviation] = {}

        async def chunk_series(queries: SliQueries, members: list[str]
                               ) -> tuple[dict[str, np.ndarray], ...]:
            p99 = queries.p99_log(members, step_s)
            label = queries.service_label
            return await asyncio.gather(
                self.range_vectors(p99, label, start_s, end_s, step_s),
                self.range_vectors(p99, label, earlier_start_s, earlier_end_s, step_s),
                self.range_vectors(queries.error_ratio_day_on_day(members, step_s, period_s),
                                   label, start_s, end_s, step_s))

        for (_queries, members), (p99_now, p99_earlier, errors) in zip(
                chunks, await asyncio.gather(*(chunk_series(queries, members)
                                               for queries, members in chunks)), strict=True):
            for service_id in members:
                if service_id not in p99_now and service_id not in errors:
                    continue
                latency = unknown
                if service_id in p99_now and service_id in p99_earlier:
                    latency = deviation_from_earlier(_finite(p99_now[service_id]),
                                                     _finite(p99_earlier[service_id]),
                                                     baseline_half_width_steps)
                found[service_id] = SliDeviation(latency,
                                                 _finite(errors.get(service_id, unknown)))
        return found

    def _query_chunks(self, service_ids: list[str], size: int = SERVICES_PER_QUERY
                      ) -> list[tuple[SliQueries, list[str]]]:
        """Services grouped by query configuration, in chunks a regex matcher can name."""
        return [(queries, members[k:k + size])
                for queries, members in self._by_configuration(service_ids)
                for k in range(0, len(members), size)]

    def _by_configuration(self, service_ids: list[str]) -> list[tuple[SliQueries, list[str]]]:
        groups: dict[str, tuple[SliQueries, list[str]]] = {}
        for service_id in service_ids:
            queries = self._queries_for(service_id)
            groups.setdefault(repr(queries), (queries, []))[1].append(service_id)
        return list(groups.values())

    async def throttled_ratio(self, service_id: str, start_s: int, end_s: int) -> float | None:
        query = self._queries_for(service_id).throttled_seconds(service_id, end_s - start_s)
        throttled = await self.instant_value(query, end_s)
        return None if throttled is None else throttled / (end_s - start_s)

    async def ready(self) -> None:
        """Raise DependencyUnavailable unless Prometheus answers its readiness probe."""
        try:
            response = await self._client.get("/-/ready")
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise DependencyUnavailable(COMPONENT, str(error)) from error

    async def _get(self, path: str, query: str, params: Params) -> Any:
        if self._observe is None:
            return await self._get_with_retries(path, query, params)
        query_type = {"query_range": "range", "query": "instant"}.get(path[8:], "catalog")
        started, error_type = time.perf_counter(), None
        try:
            return await self._get_with_retries(path, query, params)
        except DependencyUnavailable:
            error_type = "unavailable"
            raise
        except TelemetryQueryRejected:
            error_type = "rejected"
            raise
        except asyncio.CancelledError:
            error_type = "cancelled"
            raise
        finally:
            self._observe(query_type, time.perf_counter() - started, error_type)

    async def _get_with_retries(self, path: str, query: str, params: Params) -> Any:
        last_error = ""
        for delay in (*self._retry_delays, None):
            try:
                self.breaker.before_call()
            except CircuitOpen as error:
                raise DependencyUnavailable(COMPONENT, str(error),
                                            error.retry_after_s) from error
            try:
                data = await self._attempt(path, query, params)
            except asyncio.CancelledError:
                # Cut off by a request's deadline: the request counts that once
                # (ServeRecommendation); a half-open trial must not stay in flight for ever.
                self.breaker.release_trial()
                raise
            except TelemetryQueryRejected:
                self.breaker.record_success()  # it answered: alive, just unwilling
                raise
            except _Transient as error:
                self.breaker.record_failure()
                last_error = str(error)
                if delay is None:
                    break
                await self._sleep(delay)
                continue
            except BaseException:
                self.breaker.record_failure()  # an unreadable answer: never a stuck trial
                raise
            self.breaker.record_success()
            return data
        attempts = len(self._retry_delays) + 1
        raise DependencyUnavailable(COMPONENT, f"{last_error} (after {attempts} attempts)",
                                    self.breaker.retry_after_s or None)

    async def _attempt(self, path: str, query: str, params: Params) -> Any:
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        try:
            response = await self._client.get(
                path, params=[("query", query), *pairs] if query else pairs,
                timeout=self._attempt_timeout or httpx.USE_CLIENT_DEFAULT)
        except httpx.TransportError as error:
            raise _Transient(f"{type(error).__name__}: {error}") from error
        if response.status_code >= 500 or response.status_code == 429:
            raise _Transient(f"HTTP {response.status_code}")
        body: dict[str, Any] = orjson.loads(response.content)
        if response.status_code != 200 or body.get("status") != "success":
            reason = str(body.get("error", response.status_code))
            raise TelemetryQueryRejected(query or path, reason)
        return body["data"]


def _on_steps(points: list[list[Any]], start_s: int, step_s: int, steps: int) -> np.ndarray:
    """[[timestamp, "value"], ...] of a range query placed on its steps; NaN elsewhere."""
    values = np.full(steps, np.nan)
    stamps = np.fromiter((p[0] for p in points), dtype=float, count=len(points))
    positions = np.rint((stamps - start_s) / step_s).astype(np.int64)
    values[positions] = np.array([p[1] for p in points], dtype=float)
    return values


def _finite(values: np.ndarray) -> np.ndarray:
    """NaN for the +-Inf and NaN a ratio or logarithm of zero gives."""
    return np.where(np.isfinite(values), values, np.nan)


def _histograms_by_service(result: list[dict[str, Any]], service_label: str,
                           unit_seconds: float) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Instant-vector rows {service, le} -> per service (ascending bounds, cumulative counts)."""
    rows: dict[str, list[tuple[float, float]]] = {}
    for series in result:
        labels = series["metric"]
        rows.setdefault(labels.get(service_label, ""), []).append(
            (float(labels.get("le", "inf")), float(series["value"][1])))
    histograms = {}
    for service_id, points in rows.items():
        points.sort()
        histograms[service_id] = (np.array([b for b, _ in points]) * unit_seconds,
                                  np.array([c for _, c in points]))
    return histograms
