"""Hourly SLI aggregation (TRD FR-6): the latest availability, error ratio, request rate
and latency percentiles of every service over 1h, 1d, 7d and 28d, from a few fleet-wide
queries; recommendations whose inputs moved are marked stale and regenerated."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.jobs import JobKind
from slo_engine.application.ports import Clock, JobQueue, RecommendationCache, SliAggregateStore
from slo_engine.application.regenerate_recommendations import regeneration_chunks
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.sli_aggregates import (
    WINDOW_SECONDS,
    SliAggregate,
    aggregate,
    baseline_window,
    moved_inputs,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StalenessPolicy:
    relative_change: float
    error_ratio_floor: float


class AggregateSlis:
    def __init__(self, telemetry: Telemetry, store: SliAggregateStore,
                 snapshots: SnapshotHolder, cache: RecommendationCache, jobs: JobQueue,
                 clock: Clock, staleness: StalenessPolicy, chunk_services: int) -> None:
        self._telemetry = telemetry
        self._store = store
        self._snapshots = snapshots
        self._cache = cache
        self._jobs = jobs
        self._clock = clock
        self._staleness = staleness
        self._chunk = chunk_services

    async def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        snapshot = await asyncio.to_thread(self._snapshots.current)
        services = sorted(snapshot.services)
        end_s = self._clock.now_ms() // 1000
        found = await asyncio.gather(*(
            self._telemetry.window_counts(services, seconds, end_s)
            for seconds in WINDOW_SECONDS.values()))
        aggregates = [aggregate(service_id, window, counts)
                      for window, by_service in zip(WINDOW_SECONDS, found, strict=True)
                      for service_id, counts in by_service.items()]
        queried = time.perf_counter()
        now = self._clock.now_ms()
        stored = await asyncio.to_thread(self._store.store_aggregates, aggregates, now)
        stale = await asyncio.to_thread(self._judge_recommendations, aggregates, now)
        # A thread: an inline job queue runs the regeneration right away, on this loop.
        regeneration = await asyncio.to_thread(self._regenerate, sorted(stale)) \
            if stale else None
        finished = time.perf_counter()
        return {
            "services": len(services),
            "services_with_traffic": len({a.service_id for a in aggregates}),
            "aggregates_stored": stored,
            "stale_services": len(stale),
            "stale_examples": dict(list(stale.items())[:10]),
            "regeneration_job_id": regeneration,
            "timings": {"query_s": round(queried - started, 3),
                        "store_s": round(finished - queried, 3),
                        "total_s": round(finished - started, 3)},
        }

    def _judge_recommendations(self, aggregates: list[SliAggregate], now_ms: int
                               ) -> dict[str, str]:
        """New recommendations get today's aggregates as their baseline; older ones whose
        baseline moved are marked stale. Returns service -> why, for those marked."""
        latest = {(a.service_id, a.window): a for a in aggregates}
        baselines: dict[str, Mapping[str, Any]] = {}
        reasons: dict[str, str] = {}
        for row in self._store.active_recommendation_baselines():
            window = baseline_window(int(row["lookback_days"]))
            current = latest.get((row["service_id"], window))
            if current is None:
                continue
            if row["baseline"] is None:
                baselines[row["recommendation_id"]] = {
                    "window": window, "error_ratio": current.error_ratio,
                    "latency_p99_seconds": current.latency_p99_seconds}
                continue
            moved = moved_inputs(row["baseline"], current, self._staleness.relative_change,
                                 self._staleness.error_ratio_floor)
            if moved:
                reasons[row["service_id"]] = "; ".join(moved)
        if baselines:
            self._store.set_recommendation_baselines(baselines)
        marked = self._store.mark_recommendations_stale(reasons, now_ms) if reasons else []
        for service_id in marked:
            self._cache.invalidate(service_id)
        return {s: reasons[s] for s in marked}

    def _regenerate(self, service_ids: list[str]) -> str | None:
        try:
            return self._jobs.enqueue_chunks(JobKind.REGENERATE_RECOMMENDATIONS,
                                             regeneration_chunks(service_ids, self._chunk))
        except DependencyUnavailable as error:
            # The stale marks stand; readers regenerate on their next cache miss anyway.
            log.warning("aggregation: regeneration not enqueued: %s", error)
            return None
