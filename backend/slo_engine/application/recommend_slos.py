"""FR-2/FR-3: tiered availability and latency SLO recommendations for one service.

History comes from the telemetry port, the dependency bound from the in-process graph
snapshot and the shared composite maths; the tiers, intervals and breach probabilities
from the domain. Units inside are ratios and seconds; the API converts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from slo_engine.application.availability_forecasts import (
    ForecastPriors,
    ServiceForecast,
    forecast_service,
)
from slo_engine.application.dependency_bound import (
    DependencyBound,
    DependencyRisk,
    assumed_external_availability,
    contradiction_warnings,
    hard_closure_edges,
)
from slo_engine.application.feature_attribution import (
    Attribution,
    availability_attribution,
    latency_attribution,
)
from slo_engine.application.graph_snapshot import GraphSnapshot, SnapshotHolder
from slo_engine.application.ports import Clock, GraphStore, Row
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.composite import composite_availability
from slo_engine.domain.errors import ServiceNotFound
from slo_engine.domain.own_availability import own_availabilities
from slo_engine.domain.recommendation import (
    AvailabilityRecommendation,
    DailyHistogram,
    DataQuality,
    LatencyRecommendation,
    archetype_availability,
    archetype_of,
    data_quality,
    noise_margin,
    percentiles_beyond_range,
    recommend_availability,
    recommend_latency,
    short_of_history,
)
from slo_engine.domain.sli_definition import CONFIGURED_DEFAULT
from slo_engine.domain.sli_statistics import (
    histogram_quantile,
)
from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.policy.recommendation_policy import RecommendationPolicy

SliType = Literal["availability", "latency", "all"]
COUNT_STEP_SECONDS = 900


@dataclass(frozen=True)
class LatencyInputs:
    observed: dict[float, float | None]
    series: dict[float, np.ndarray]
    throttled_ratio: float | None
    bucket_bounds: tuple[float, ...] = ()  # finite `le` bounds
    beyond_range: frozenset[float] = frozenset()  # percentiles in the +Inf bucket
    daily: DailyHistogram | None = None


@dataclass
class SloRecommendation:
    service_id: str
    generated_at_ms: int
    lookback_start_s: int
    lookback_end_s: int
    quality: DataQuality
    confidence: Literal["high", "low"]
    archetype: str | None
    availability: AvailabilityRecommendation | None = None
    latency: LatencyRecommendation | None = None
    bound: DependencyBound | None = None
    notes: list[str] = field(default_factory=list)
    availability_attribution: list[Attribution] = field(default_factory=list)
    latency_attribution: list[Attribution] = field(default_factory=list)
    forecast: ServiceForecast | None = None
    sli_source: dict[str, str] = field(default_factory=lambda: dict(CONFIGURED_DEFAULT))


@dataclass(frozen=True)
class CountHistory:
    """Request counts per step from start to end: the forecast's history; its last days
    are the lookback."""

    start_s: int
    end_s: int
    step_s: int
    total: np.ndarray
    failed: np.ndarray

    def last(self, days: int) -> CountHistory:
        steps = min(self.total.size, days * DAY_SECONDS // self.step_s + 1)
        return CountHistory(self.end_s - (steps - 1) * self.step_s, self.end_s, self.step_s,
                            self.total[-steps:], self.failed[-steps:])

    def lookback(self, days: int, min_days: int
                 ) -> tuple[int, np.ndarray, np.ndarray, DataQuality]:
        """The last `days`; all of the history when that is short of data (cold start)."""
        recent = self.last(days)
        quality = data_quality(recent.total, recent.start_s, self.step_s)
        if short_of_history(quality, days, days, min_days) \
                and recent.total.size < self.total.size:
            return (self.start_s, self.total, self.failed,
                    data_quality(self.total, self.start_s, self.step_s))
        return recent.start_s, recent.total, recent.failed, quality


class RecommendSlos:
    def __init__(self, graph: GraphStore, snapshots: SnapshotHolder, telemetry: Telemetry,
                 clock: Clock, policy: RecommendationPolicy, priors: ForecastPriors,
                 external_pessimism_ratio: float = 0.001,
                 sli_sources: Callable[[str], dict[str, str]] = lambda _: CONFIGURED_DEFAULT
                 ) -> None:
        self._sli_sources = sli_sources  # which SLI the telemetry reads for a service
        self._priors = priors
        self._graph = graph
        self._snapshots = snapshots
        self._telemetry = telemetry
        self._clock = clock
        self._policy = policy
        self._pessimism = external_pessimism_ratio

    @property
    def default_period_days(self) -> int:
        return self._policy.slo_period_days

    @property
    def policy(self) -> RecommendationPolicy:
        return self._policy

    async def recommend(self, service_id: str, sli_type: SliType = "all",
                        lookback_days: int = 30, period_days: int | None = None
                        ) -> SloRecommendation:
        """Tiers for an SLO period of `period_days` (the policy's when None)."""
        period_days = period_days or self._policy.slo_period_days
        service = await self._service(service_id)
        snapshot = await asyncio.to_thread(self._snapshots.current)
        end = self._end()
        metadata = service.get("metadata") or {}
        archetype = archetype_of(service.get("service_type"), service_id, metadata.get("layer"))
        start = end - lookback_days * DAY_SECONDS
        # History, the dependency bound and latency are fetched together; only a cold start
        # that has to look further back fetches the last two again for the longer window.
        history, bound, latency_inputs = await asyncio.gather(
            self._history(service_id, end, lookback_days),
            self._dependency_bound(snapshot, service_id, start, end)
            if sli_type in ("availability", "all") else _nothing(),
            self._latency_inputs(service_id, start, end, period_days)
            if sli_type in ("latency", "all") else _nothing())
        lookback_start, total, failed, quality = history.lookback(
            lookback_days, self._policy.cold_start_min_days)
        if lookback_start != start:
            start = lookback_start
            bound, latency_inputs = await asyncio.gather(
                self._dependency_bound(snapshot, service_id, start, end) if bound else _nothing(),
                self._latency_inputs(service_id, start, end, period_days) if latency_inputs
                else _nothing())
        cold = short_of_history(quality, (end - start) / DAY_SECONDS, lookback_days,
                                self._policy.cold_start_min_days)
        result = SloRecommendation(service_id, self._clock.now_ms(), start, end, quality,
                                   "low" if cold else "high", archetype, bound=bound,
                                   sli_source=dict(self._sli_sources(service_id)))
        if latency_inputs is not None:
            result.latency = self._latency(latency_inputs, result, cold)
        if sli_type in ("availability", "all"):
            result.forecast = await self._forecast(service_id, service, history, period_days)
            result.availability = self._availability(total, failed, history.step_s, result,
                                                     cold)
        return result

    async def history_availability(self, service_id: str, period_days: int,
                                   lookback_days: int = 30
                                   ) -> AvailabilityRecommendation | None:
        """Tiers from the service's own history and forecast alone, no dependency bound
        (a journey's composite caps them instead); None without traffic history."""
        service = await self._service(service_id)
        history = await self._history(service_id, self._end(), lookback_days)
        _, total, failed, _ = history.lookback(lookback_days, self._policy.cold_start_min_days)
        fitted = await self._forecast(service_id, service, history, period_days)
        if fitted is None:
            return None
        with contextlib.suppress(ValueError):  # not one whole window of traffic
            return recommend_availability(total, failed, history.step_s, fitted.forecast,
                                          None, self._policy.availability_window_days)
        return None

    async def _service(self, service_id: str) -> Row:
        service = await asyncio.to_thread(self._graph.get_service, service_id)
        if service is None:
            raise ServiceNotFound(service_id)
        return service

    def _end(self) -> int:
        """Now, down to the counts' step: every query of one recommendation ends there."""
        return self._clock.now_ms() // 1000 // COUNT_STEP_SECONDS * COUNT_STEP_SECONDS

    async def _forecast(self, service_id: str, service: Row,
                        history: CountHistory, period_days: int) -> ServiceForecast | None:
        """The next period's forecast from the service's own counts (None without
        traffic)."""
        counts = await self._forecast_counts(service_id, history)
        if not np.nansum(counts.total) > 0:
            return None
        # ~10 ms of numpy (and a prior read every few minutes): off the event loop.
        return await asyncio.to_thread(
            forecast_service, service_id, service.get("criticality"), counts.total,
            counts.failed, counts.step_s, counts.start_s, history.end_s, period_days,
            self._policy, self._priors)

    async def _history(self, service_id: str, end: int, lookback_days: int) -> CountHistory:
        """One fetch for the forecast's history (90 days), the lookback and a cold start
        (TRD FR-2: short of history, look back further) alike."""
        days = max(lookback_days, self._policy.forecast_history_days,
                   self._policy.cold_start_lookback_days)
        start = end - days * DAY_SECONDS
        # Hourly windows need no finer counts than 15 minutes (gaps show at that grain).
        step = self._telemetry.step_for(end - start, COUNT_STEP_SECONDS)
        total, failed = await self._telemetry.request_counts(service_id, start, end, step)
        return CountHistory(start, end, step, total, failed)

    async def _forecast_counts(self, service_id: str, history: CountHistory) -> CountHistory:
        """The forecast's own history: its policy's days at 15-minute steps, as the priors
        were fitted (a longer lookback's coarser counts would detect other incidents)."""
        days = self._policy.forecast_history_days
        if history.step_s == COUNT_STEP_SECONDS:
            return history.last(days)
        start = history.end_s - days * DAY_SECONDS
        total, failed = await self._telemetry.request_counts(service_id, start, history.end_s,
                                                             COUNT_STEP_SECONDS)
        return CountHistory(start, history.end_s, COUNT_STEP_SECONDS, total, failed)

    def _availability(self, total: np.ndarray, failed: np.ndarray, step: int,
                      result: SloRecommendation, cold: bool) -> AvailabilityRecommendation | None:
        bound = result.bound.composite.availability_ratio if result.bound else None
        if result.forecast is None:
            result.notes.append(f"availability: no traffic history; the {result.archetype} "
                                "archetype baseline is used")
            return archetype_availability(self._baseline(result)["availability"], bound)
        try:
            recommendation = recommend_availability(
                total, failed, step, result.forecast.forecast, bound,
                self._policy.availability_window_days)
        except ValueError as error:
            result.notes.append(f"availability: {error}; the {result.archetype} archetype "
                                "baseline is used")
            return archetype_availability(self._baseline(result)["availability"], bound)
        if cold:
            baseline = self._baseline(result)["availability"]
            result.notes.append(
                f"Only {result.quality.days_of_data:.1f} days of data: targets are low "
                f"confidence; the {result.archetype} baseline is {baseline:.4%}.")
        if result.bound and recommendation.bound_contradicted \
                and recommendation.observed_interval is not None:
            recommendation.warnings.extend(contradiction_warnings(
                result.bound, recommendation.observed_interval[0]))
        if result.bound:
            self._budget_shares(result.bound, recommendation)
            result.availability_attribution = self._availability_attribution(
                result, recommendation, result.bound)
        return recommendation

    def _availability_attribution(self, result: SloRecommendation,
                                  rec: AvailabilityRecommendation, bound: DependencyBound
                                  ) -> list[Attribution]:
        if rec.uncapped_balanced_ratio is None or result.forecast is None:
            return []
        full = bound.composite.availability_ratio
        internal = bound.with_availability(dict.fromkeys(bound.external_services, 1.0))
        steady = min(result.forecast.fit.steady_error_ratio, 1 - rec.uncapped_balanced_ratio)
        return availability_attribution(steady, 1 - rec.uncapped_balanced_ratio - steady,
                                        internal, full / internal if internal > 0 else 1.0,
                                        self._baseline(result)["availability"])

    def _baseline(self, result: SloRecommendation) -> dict[str, float]:
        return self._policy.archetypes[result.archetype or "backend_service"]

    def _budget_shares(self, bound: DependencyBound, rec: AvailabilityRecommendation) -> None:
        budget = 1.0 - rec.tiers["balanced"].target_ratio
        bound.dependencies[:] = [
            replace(d, budget_share=d.bound_gain_ratio / budget if budget > 0 else 1.0)
            for d in bound.dependencies
        ]

    async def _dependency_bound(self, snapshot: GraphSnapshot, service_id: str, start: int,
                                end: int) -> DependencyBound:
        edges = hard_closure_edges(snapshot, service_id)
        needed = sorted({e.target for e in edges if e.exclusion_reason is None} - {service_id})
        # The root's own history too: inside a cycle its cycle-mates' observations carry
        # its failures, which must be told apart from theirs (domain/own_availability.py).
        by_service = (await self._telemetry.availabilities([*needed, service_id], start, end)
                      if needed else {})
        observed = [by_service.get(s) for s in needed]
        known: dict[str, float] = {}
        sources: dict[str, DependencyRisk] = {}
        for dependency, ratio in zip(needed, observed, strict=True):
            risk = await self._dependency_availability(snapshot, dependency, ratio)
            sources[dependency] = risk
            if risk.source != "unknown":
                known[dependency] = risk.availability_ratio
        root_observed = by_service.get(service_id)
        # The root is taken as perfect: the bound is what its dependencies allow.
        own = own_availabilities(
            known if root_observed is None else {**known, service_id: root_observed}, edges)
        risks = [DependencyRisk(s, own.get(s, 1.0), r.source, 0.0, known.get(s))
                 for s, r in sources.items()]
        composite = composite_availability(service_id, edges, {**own, service_id: 1.0})
        externals = tuple(s for s in needed
                          if snapshot.services.get(s, {}).get("service_type") == "external")
        bound = DependencyBound(service_id, composite, risks, edges, externals)
        bound.dependencies[:] = [
            replace(d, bound_gain_ratio=max(0.0, bound.if_improved(d.service_id, 1.0)
                                            - composite.availability_ratio))
            for d in risks]
        return bound

    async def _dependency_availability(self, snapshot: GraphSnapshot, service_id: str,
                                       observed: float | None) -> DependencyRisk:
        """Observed history first; an external service without it falls back to its
        published SLA less the configured pessimism (TRD FR-3)."""
        if observed is not None:
            return DependencyRisk(service_id, observed, "observed", 0.0)
        assumed = await asyncio.to_thread(assumed_external_availability, self._graph,
                                          snapshot, service_id, self._pessimism)
        if assumed is not None:
            return DependencyRisk(service_id, assumed, "published_sla", 0.0)
        return DependencyRisk(service_id, 1.0, "unknown", 0.0)

    async def _latency_inputs(self, service_id: str, start: int, end: int, period_days: int
                              ) -> LatencyInputs:
        percentiles = sorted(set(self._policy.latency_percentiles.values()))
        window = self._policy.latency_window_hours * 3600
        history_start = end - self._policy.forecast_history_days * DAY_SECONDS
        (bounds, whole), (window_bounds, windows), (day_bounds, days), throttled = \
            await asyncio.gather(
                self._telemetry.latency_histogram(service_id, start, end, end - start),
                self._telemetry.latency_histogram(service_id, start, end, window),
                # Per day of the forecast's history: the latency tiers' period forecast.
                self._telemetry.latency_histogram(service_id, history_start, end, DAY_SECONDS),
                self._telemetry.throttled_ratio(service_id, start, end))
        observed: dict[float, float | None] = {}
        series: dict[float, np.ndarray] = {}
        for p in percentiles:
            value = float(histogram_quantile(p, bounds, whole)[0]) if len(bounds) else np.nan
            observed[p] = None if np.isnan(value) else value
            series[p] = (histogram_quantile(p, window_bounds, windows) if len(window_bounds)
                         else np.empty(0))
        finite = tuple(float(b) for b in bounds if np.isfinite(b))
        beyond = (percentiles_beyond_range(percentiles, bounds, whole) if len(bounds)
                  else frozenset())
        daily = (DailyHistogram(day_bounds, days, period_days)
                 if len(day_bounds) else None)
        return LatencyInputs(observed, series, throttled, finite, beyond, daily)

    def _latency(self, inputs: LatencyInputs, result: SloRecommendation,
                 cold: bool) -> LatencyRecommendation | None:
        observed = {p: v for p, v in inputs.observed.items() if v is not None}
        if len(observed) < len(inputs.observed):
            result.notes.append("latency: no request-duration histogram for this service")
            return None
        margin = noise_margin(inputs.throttled_ratio, self._policy.margin_min_ratio,
                              self._policy.margin_max_ratio,
                              self._policy.margin_saturation_throttled_ratio)
        recommendation = recommend_latency(observed, inputs.series,
                                           self._policy.latency_percentiles, margin,
                                           inputs.bucket_bounds, inputs.beyond_range,
                                           inputs.daily)
        balanced = self._policy.latency_percentiles["balanced"]
        p99 = observed.get(balanced)
        if p99 is not None and balanced not in inputs.beyond_range:
            result.latency_attribution = latency_attribution(
                p99, margin, self._baseline(result)["latency_p99_seconds"],
                self._policy.margin_min_ratio)
        if cold:
            baseline = self._baseline(result)
            recommendation.notes.append(
                f"low confidence: the {result.archetype} baseline p99 is "
                f"{baseline['latency_p99_seconds'] * 1000:.0f} ms")
        return recommendation


async def _nothing() -> None:
    return None
