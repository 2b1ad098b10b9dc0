"""Drift detection every 15 minutes (TRD FR-9, AC-009): each service's p99 latency and
error ratio, per minute, against the same time a day earlier; the three detectors vote.

A confirmed drift marks the service's recommendations stale, appends a `drift_triggered`
event to the audit chain, enqueues their regeneration and a webhook to the owning team.
A cooldown per service (shared by every worker) keeps one drift from being confirmed
again by the next sweeps, whose windows still hold it.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from slo_engine.application.audit_events import append_engine_event
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.jobs import JobKind
from slo_engine.application.ports import (
    Clock,
    DriftCooldown,
    JobQueue,
    RecommendationCache,
    SliAggregateStore,
    SloLedger,
)
from slo_engine.application.regenerate_recommendations import (
    regeneration_chunks,
    regeneration_targets,
)
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.drift import (
    AlarmDetectors,
    DriftSettings,
    DriftVerdict,
    SliDeviation,
    judge_deviation,
)
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.time_units import DAY_SECONDS

log = logging.getLogger(__name__)

SLI_LABELS = {"latency_p99": "p99 latency", "error_ratio": "error ratio"}
# Error ratios are compared in ratio units, not logs: a tenth of a percentage point is the
# smallest unit a quiet service's change is measured in.
ERROR_RATIO_SCALE_FLOOR = 0.001


@dataclass(frozen=True)
class DriftSchedule:
    step_s: int = 60  # one point per minute; needs a scrape interval of 30 s or less
    period_s: int = DAY_SECONDS  # compared with the same time one day earlier
    interval_s: int = 900  # a sweep every 15 minutes judges the points since the last one
    cooldown_s: int = 6 * 3600
    chunk_services: int = 250  # services per sweep job (and per PromQL query)
    regeneration_chunk_services: int = 100


@dataclass(frozen=True)
class ConfirmedDrift:
    service_id: str
    verdicts: Mapping[str, DriftVerdict]  # SLI -> verdict, the confirmed ones only

    @property
    def detectors(self) -> list[str]:
        return sorted({d for v in self.verdicts.values() for d in v.detectors})

    @property
    def reason(self) -> str:
        return "drift in " + "; ".join(f"{SLI_LABELS[sli]} ({', '.join(v.detectors)})"
                                       for sli, v in self.verdicts.items())


DetectionObserver = Callable[[str, str], None]  # (service_id, detector)


class DetectDrift:
    def __init__(self, telemetry: Telemetry, snapshots: SnapshotHolder,
                 store: SliAggregateStore, ledger: SloLedger, cache: RecommendationCache,
                 jobs: JobQueue, cooldown: DriftCooldown, clock: Clock,
                 schedule: DriftSchedule, detectors: AlarmDetectors,
                 settings: DriftSettings | None = None,
                 observe: DetectionObserver | None = None) -> None:
        self._detectors = detectors
        self._telemetry = telemetry
        self._snapshots = snapshots
        self._store = store
        self._ledger = ledger
        self._cache = cache
        self._jobs = jobs
        self._cooldown = cooldown
        self._clock = clock
        self._schedule = schedule
        self._latency = settings or DriftSettings()
        self._errors = replace(self._latency, scale_floor=ERROR_RATIO_SCALE_FLOOR)
        self._observe = observe

    def plan_sweep(self) -> str | None:
        """Splits the fleet into sweep jobs the workers share; None if there is nothing."""
        service_ids = regeneration_targets(self._snapshots)
        if not service_ids:
            return None
        return self._jobs.enqueue_chunks(
            JobKind.DETECT_DRIFT, regeneration_chunks(service_ids, self._schedule.chunk_services))

    async def sweep(self, service_ids: list[str]) -> dict[str, Any]:
        started = time.perf_counter()
        # The telemetry reads each service's SLI from the snapshot loaded last: load the
        # current one, or a worker keeps judging the series it knew before an approval.
        await asyncio.to_thread(self._snapshots.current)
        schedule = self._schedule
        end_s = self._clock.now_ms() // 1000 // schedule.step_s * schedule.step_s
        start_s = end_s - (self._latency.detector_points - 1) * schedule.step_s
        deviations = await self._telemetry.day_on_day_deviation(
            service_ids, start_s, end_s, schedule.step_s, schedule.period_s,
            self._latency.baseline_half_width)
        queried = time.perf_counter()
        confirmed = await asyncio.to_thread(self._judge, deviations)
        acted, regeneration = (await asyncio.to_thread(self._act_on, confirmed)
                               if confirmed else ({}, None))
        return {
            "services": len(service_ids), "services_with_data": len(deviations),
            "confirmed": len(confirmed), "drifts": acted,
            "in_cooldown": sorted(d.service_id for d in confirmed if d.service_id not in acted),
            "regeneration_job_id": regeneration,
            "timings": {"query_s": round(queried - started, 3),
                        "total_s": round(time.perf_counter() - started, 3)},
        }

    def _judge(self, deviations: Mapping[str, SliDeviation]) -> list[ConfirmedDrift]:
        new_points = max(1, self._schedule.interval_s // self._schedule.step_s)
        confirmed = []
        for service_id, deviation in sorted(deviations.items()):
            verdicts = {
                "latency_p99": judge_deviation(deviation.latency_p99_log, new_points,
                                               self._detectors, self._latency),
                "error_ratio": judge_deviation(deviation.error_ratio, new_points,
                                               self._detectors, self._errors),
            }
            drifting = {sli: v for sli, v in verdicts.items() if v.confirmed}
            if drifting:
                confirmed.append(ConfirmedDrift(service_id, drifting))
        return confirmed

    def _act_on(self, confirmed: list[ConfirmedDrift]
                ) -> tuple[dict[str, dict[str, Any]], str | None]:
        """Claims each service's cooldown, then acts on those claimed: what was done per
        service, and the regeneration job of them all."""
        claimed = [d for d in confirmed
                   if self._cooldown.claim(d.service_id, self._schedule.cooldown_s)]
        if not claimed:
            return {}, None
        now = self._clock.now_ms()
        marked = set(self._store.mark_recommendations_stale(
            {d.service_id: d.reason for d in claimed}, now))
        regeneration = self._enqueue_regeneration([d.service_id for d in claimed])
        services = self._snapshots.current().services
        acted: dict[str, dict[str, Any]] = {}
        for drift in claimed:
            self._cache.invalidate(drift.service_id)
            team = services.get(drift.service_id, {}).get("team")
            sequence = append_engine_event(self._ledger, drift.service_id, "drift_triggered", {
                "rationale": drift.reason, "detectors": drift.detectors,
                "recommendation_marked_stale": drift.service_id in marked}, now)
            notification = {
                "event": "drift_triggered", "notification_id": str(uuid.uuid4()),
                "service_id": drift.service_id, "team": team, "reason": drift.reason,
                "slis": {sli: list(v.detectors) for sli, v in drift.verdicts.items()},
                "recommendation_marked_stale": drift.service_id in marked,
                "regeneration_job_id": regeneration, "audit_sequence": sequence,
                "occurred_at_ms": now}
            delivery = self._enqueue_notification(notification)
            for detector in drift.detectors:
                if self._observe is not None:
                    self._observe(drift.service_id, detector)
            log.warning("drift confirmed for %s: %s", drift.service_id, drift.reason)
            acted[drift.service_id] = {"reason": drift.reason,
                                       "recommendation_marked_stale": drift.service_id in marked,
                                       "audit_sequence": sequence,
                                       "notification_job_id": delivery}
        return acted, regeneration

    def _enqueue_regeneration(self, service_ids: list[str]) -> str | None:
        try:
            return self._jobs.enqueue_chunks(
                JobKind.REGENERATE_RECOMMENDATIONS,
                regeneration_chunks(service_ids, self._schedule.regeneration_chunk_services))
        except DependencyUnavailable as error:
            log.warning("drift: regeneration not enqueued: %s", error)
            return None

    def _enqueue_notification(self, notification: Mapping[str, Any]) -> str | None:
        try:
            return self._jobs.enqueue(
                JobKind.DELIVER_NOTIFICATION, {"notification": dict(notification)},
                job_id=f"deliver_notification-{notification['notification_id']}")
        except DependencyUnavailable as error:
            log.warning("drift: notification for %s not enqueued: %s",
                        notification["service_id"], error)
            return None
