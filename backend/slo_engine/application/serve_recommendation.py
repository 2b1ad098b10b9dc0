"""Serving recommendations: from the cache, freshly computed and stored, or (when the
metrics store is down, slow past the deadline, or refusing queries) the last stored one
marked stale (TRD AC-008). Without a stored one the error goes up: the API answers 503
(or 502 for a refused query), with the breaker's wait as Retry-After.

What is cached and stored is the record (recommendation_record.py); the API renders it."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from slo_engine.application.auto_approval import AutoApprove
from slo_engine.application.availability_forecasts import DEFAULT_SOURCE
from slo_engine.application.ports import (
    Clock,
    GraphStore,
    RecommendationCache,
    RecommendationWindow,
)
from slo_engine.application.prior_bootstrap import PriorBootstrap
from slo_engine.application.recommend_slos import RecommendSlos, SliType, SloRecommendation
from slo_engine.application.recommendation_record import (
    AutoApprovalRecord,
    Provenance,
    RecommendationRecord,
    is_record,
    recommendation_record,
)
from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.domain.slo import RecommendedTargets, percentile_label

log = logging.getLogger(__name__)

EXPIRY_MS = 24 * 3600 * 1000
METRICS_STORE = "metrics store (Prometheus)"


@dataclass(frozen=True)
class RecommendationRequest:
    service_id: str
    sli_type: SliType = "all"
    lookback_days: int = 30
    period_days: int = 30  # the SLO period the tiers' breach probabilities forecast
    force_regenerate: bool = False  # bypass the cache: compute afresh and store

    @property
    def window(self) -> RecommendationWindow:
        """What a stored recommendation is filed under."""
        return RecommendationWindow(self.sli_type, self.lookback_days, self.period_days)


@dataclass(frozen=True)
class ServedRecommendation:
    # A record; or, stored by a release before records, the rendered document itself.
    content: RecommendationRecord | Mapping[str, Any]
    source: str  # "cache" | "computed" | "stored"
    stale: bool
    stale_reason: str | None = None


class ServeRecommendation:
    def __init__(self, recommend: RecommendSlos, graph: GraphStore, cache: RecommendationCache,
                 clock: Clock, auto_approve: AutoApprove | None = None,
                 deadline_s: float | None = None,
                 retry_after_s: Callable[[], float] = lambda: 0.0,
                 on_deadline: Callable[[], None] = lambda: None,
                 prior_bootstrap: PriorBootstrap | None = None) -> None:
        self._recommend = recommend
        self._prior_bootstrap = prior_bootstrap  # fits the fleet's priors on first need
        self._deadline_s = deadline_s  # for all of one computation's queries; None: none
        self._retry_after_s = retry_after_s  # the metrics store's breaker knows the wait
        self._on_deadline = on_deadline  # one missed deadline is one failure, not one a query
        self._graph = graph
        self._cache = cache
        self._clock = clock
        self._auto_approve = auto_approve

    def request(self, service_id: str, sli_type: SliType = "all", lookback_days: int = 30,
                period_days: int | None = None, force_regenerate: bool = False
                ) -> RecommendationRequest:
        """A request, with the policy's SLO period when none is asked for."""
        return RecommendationRequest(service_id, sli_type, lookback_days,
                                     period_days or self._recommend.default_period_days,
                                     force_regenerate)

    async def get(self, request: RecommendationRequest) -> ServedRecommendation:
        # One thread hop for the three blocking reads: the default executor has only a few
        # threads, and a hop each tripled the queueing of cached reads under load.
        version, key, cached = await asyncio.to_thread(self._lookup, request)
        if cached is not None:
            return ServedRecommendation(cached, "cache", stale=False)
        if self._prior_bootstrap is not None and not self._retry_after_s():
            # (with the metrics store known down, the fit could not read it either)
            await self._prior_bootstrap.wait_for_priors()
        try:
            result = await self._compute(request)
        except (DependencyUnavailable, TelemetryQueryRejected) as error:
            return await self._stored_or_raise(request, error)
        record = await asyncio.to_thread(self._store, result, request, version, key)
        return ServedRecommendation(record, "computed", stale=False)

    async def _compute(self, request: RecommendationRequest) -> SloRecommendation:
        try:
            async with asyncio.timeout(self._deadline_s):
                return await self._recommend.recommend(
                    request.service_id, request.sli_type, request.lookback_days,
                    request.period_days)
        except TimeoutError as error:
            self._on_deadline()
            wait = self._retry_after_s()
            raise DependencyUnavailable(
                METRICS_STORE, f"no answer within the {self._deadline_s:g} s deadline",
                wait or None) from error

    def _lookup(self, request: RecommendationRequest
                ) -> tuple[int, str, RecommendationRecord | None]:
        """A cached body of another schema (an earlier release's) is a miss."""
        version = self._graph.graph_version()
        key = self._key(request, version)
        cached = None if request.force_regenerate else self._cache.get(key)
        if cached is None or not is_record(cached):
            return version, key, None
        return version, key, RecommendationRecord.from_record(cached)

    def _key(self, request: RecommendationRequest, version: int) -> str:
        generation = self._cache.generation(request.service_id)
        return (f"{request.service_id}:{generation}:{version}:{request.sli_type}:"
                f"{request.lookback_days}:{request.period_days}")

    def _store(self, result: SloRecommendation, request: RecommendationRequest,
               version: int, key: str) -> RecommendationRecord:
        now, service_id = self._clock.now_ms(), result.service_id
        record = recommendation_record(result, str(uuid.uuid4()),
                                       self._provenance(result, request, version))
        targets = recommended_targets(result)
        self._graph.store_recommendation(
            service_id, record.recommendation_id, request.window, version,
            record.to_record(), targets.to_record(), now, now + EXPIRY_MS)
        # An answer on the default prior is provisional: no rule activates it, and it is
        # not cached (the next request, once the fleet's priors are fitted, computes it
        # again).
        provisional = (result.forecast is not None
                       and result.forecast.prior_source == DEFAULT_SOURCE)
        outcome = self._auto_approve.consider(
            service_id, record.recommendation_id, result.confidence,
            result.quality.completeness_ratio, targets) \
            if self._auto_approve and not provisional else None
        if outcome is not None and outcome.slo is not None:
            record = replace(record, auto_approved=AutoApprovalRecord(
                outcome.slo["slo_id"], outcome.slo["version"], outcome.slo["activated_by"]))
            # the decision dropped the service's cache generation: file under the new one
            key = self._key(request, version)
        if not provisional:
            self._cache.put(key, record.to_record())
        return record

    def _provenance(self, result: SloRecommendation, request: RecommendationRequest,
                    graph_version: int) -> Provenance:
        policy = self._recommend.policy
        simulations = (result.forecast.forecast.simulations if result.forecast is not None
                       else 0)
        return Provenance(request.lookback_days, request.period_days, graph_version,
                          policy.version, policy.digest, "monte_carlo", simulations,
                          sli_source=dict(result.sli_source))

    async def _stored_or_raise(self, request: RecommendationRequest,
                               error: DependencyUnavailable | TelemetryQueryRejected
                               ) -> ServedRecommendation:
        stored = await asyncio.to_thread(self._graph.latest_recommendation,
                                         request.service_id, request.window)
        if stored is None:
            raise error
        log.warning("serving the stored recommendation for %s: %s", request.service_id, error)
        body = stored["body"]
        content = RecommendationRecord.from_record(body) if is_record(body) else body
        return ServedRecommendation(
            content, "stored", stale=True,
            stale_reason=f"{error}; showing the recommendation generated earlier")

    @property
    def recommender(self) -> RecommendSlos:
        """The underlying use case, for callers that want results, not documents."""
        return self._recommend

    def invalidate(self, service_id: str) -> None:
        self._cache.invalidate(service_id)


def recommended_targets(result: SloRecommendation) -> RecommendedTargets:
    """The tiers as decidable targets: what accepting a tier would make the SLO."""
    availability = ({name: tier.target_ratio for name, tier in result.availability.tiers.items()}
                    if result.availability else {})
    latency = ({name: (percentile_label(tier.percentile), tier.target_seconds)
                for name, tier in result.latency.tiers.items()
                if tier.target_seconds is not None} if result.latency else {})
    bounds = result.latency.bucket_bounds_seconds if result.latency else ()
    return RecommendedTargets(availability, latency, bounds)
