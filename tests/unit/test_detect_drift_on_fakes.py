"""DetectDrift over the in-memory fakes (telemetry, graph, ledger, job queue, cooldown) with
the real detectors: a deployment makes `api`'s p99 20% slower at SHIFT; `web`, just as
noisy, does not change. The sweep 15 minutes later confirms it and acts; the cooldown
holds a repeat. No server; about a tenth of a second each.

History: 29 hours of one-minute counters; 10 requests/s, 0.1% failing; lognormal
latencies whose median wobbles (seeded) around a daily rhythm, in fine buckets."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np

from slo_engine.adapters.river_drift import river_alarm_positions
from slo_engine.application.detect_drift import DetectDrift, DriftSchedule
from slo_engine.application.jobs import JobKind, JobProgress
from slo_engine.application.verify_audit import verify_audit_chain
from slo_engine.domain.audit_chain import ChainVerification
from slo_engine.domain.model import ServiceRecord
from slo_engine.fleet.lognormal import lognormal_cdf
from tests.fakes import InMemoryDriftCooldown, InMemoryJobQueue, TickingClock
from tests.fakes_telemetry import InMemoryTelemetry, ServiceSeries
from tests.fakes_world import END_S, FakeWorld, availability_targets

SHIFT = END_S  # the deployment, on the hour
START = SHIFT - 27 * 3600  # a day and the 2.5 hours a sweep looks back, and more
END = SHIFT + 2 * 3600
BOUNDS = [round(0.05 * 1.08 ** k, 4) for k in range(60)]  # 50 ms .. ~4.7 s
REASON = "drift in p99 latency (page_hinkley, adwin, kswin)"
SIX_HOURS_MS = 6 * 3600 * 1000


def minute_series(service: str, slower_from_s: int | None) -> ServiceSeries:
    minutes = np.arange((END - START) // 60)
    rng = np.random.default_rng(len(service))
    daily = 1 + 0.2 * np.sin(2 * np.pi * minutes / 1440)
    medians = 0.1 * daily * rng.lognormal(0, 0.03, len(minutes))
    if slower_from_s is not None:
        medians[START + minutes * 60 >= slower_from_s] *= 1.2
    requests = np.full(len(minutes), 600.0)
    buckets = {le: requests * lognormal_cdf(le, medians, 0.5) for le in BOUNDS}
    return ServiceSeries.counting(START, 60, requests, requests * 0.001,
                                  {**buckets, math.inf: requests})


class Sweeping:
    """api (payments) and web, each with an active recommendation; the cooldown on a
    clock of its own, so a test can let it lapse without moving the history."""

    def __init__(self) -> None:
        self.world = FakeWorld()
        self.world.add_services(ServiceRecord("api", team="payments"), ServiceRecord("web"))
        self.world.depend("web", "api")
        self.recommendations = {s: self.world.recommendation(s, availability_targets(
            0.99, 0.995, 0.999)) for s in ("api", "web")}
        self.jobs = InMemoryJobQueue(self.world.clock)
        self.cooldown_clock = TickingClock()
        self.detections: list[tuple[str, str]] = []
        telemetry = InMemoryTelemetry({"api": minute_series("api", SHIFT),
                                       "web": minute_series("web", None)})
        self.detect = DetectDrift(
            telemetry, self.world.snapshots, self.world.aggregates, self.world.ledger,
            self.world.cache, self.jobs, InMemoryDriftCooldown(self.cooldown_clock),
            self.world.clock, DriftSchedule(), river_alarm_positions,
            observe=lambda service, detector: self.detections.append((service, detector)))

    def sweep(self, at_s: int) -> dict[str, Any]:
        self.world.clock.now = at_s * 1000
        result = asyncio.run(self.detect.sweep(["api", "web"]))
        result.pop("timings")
        return result

    def stale(self, service_id: str) -> tuple[Any, Any]:
        stored = self.world.graph.recommendations[self.recommendations[service_id]].properties
        return stored.get("stale_since"), stored.get("stale_reason")

    def audit_actions(self) -> list[Any]:
        return [e.content["action"] for e in self.world.ledger.audit_events(0, 100)]


def test_the_sweep_before_the_shift_confirms_nothing_and_does_nothing() -> None:
    sweeping = Sweeping()
    assert sweeping.sweep(SHIFT) == {
        "services": 2, "services_with_data": 2, "confirmed": 0, "drifts": {},
        "in_cooldown": [], "regeneration_job_id": None}
    assert (sweeping.jobs.jobs, sweeping.audit_actions(), sweeping.stale("api")) == (
        {}, [], (None, None))


def test_a_confirmed_p99_shift_marks_stale_enqueues_regeneration_and_tells_the_team() -> None:
    sweeping = Sweeping()
    result = sweeping.sweep(SHIFT + 900)
    (notification_job,) = sweeping.jobs.of_kind(JobKind.DELIVER_NOTIFICATION)
    (regeneration_job,) = sweeping.jobs.of_kind(JobKind.REGENERATE_RECOMMENDATIONS)
    notification = notification_job.arguments["notification"]
    now = notification["occurred_at_ms"]  # the clock's reading when acting (it ticks)
    assert (SHIFT + 900) * 1000 < now < (SHIFT + 901) * 1000
    assert result == {
        "services": 2, "services_with_data": 2, "confirmed": 1, "in_cooldown": [],
        "drifts": {"api": {"reason": REASON, "recommendation_marked_stale": True,
                           "audit_sequence": 1,
                           "notification_job_id": notification_job.job_id}},
        "regeneration_job_id": result["regeneration_job_id"]}
    # stale: api's recommendation, not web's; api's cached documents dropped
    assert (sweeping.stale("api"), sweeping.stale("web")) == ((now, REASON), (None, None))
    assert (sweeping.world.cache.generation("api"), sweeping.world.cache.generation("web")) \
        == (1, 0)
    # one regeneration job over api
    assert regeneration_job.arguments == {"service_ids": ["api"]}
    state = sweeping.jobs.state(result["regeneration_job_id"])
    assert state is not None
    assert state.progress == JobProgress(0, 1, 0)
    # the owning team's webhook, naming what was done
    assert notification_job.job_id == \
        f"deliver_notification-{notification['notification_id']}"
    assert {k: v for k, v in notification.items() if k != "notification_id"} == {
        "event": "drift_triggered", "service_id": "api", "team": "payments",
        "reason": REASON, "slis": {"latency_p99": ["page_hinkley", "adwin", "kswin"]},
        "recommendation_marked_stale": True,
        "regeneration_job_id": result["regeneration_job_id"], "audit_sequence": 1,
        "occurred_at_ms": now}
    # the audit chain holds it and still verifies
    (event,) = sweeping.world.ledger.audit_events(0, 10)
    assert {k: event.content[k] for k in ("action", "service_id", "actor", "rationale",
                                          "detectors", "recommendation_marked_stale")} == {
        "action": "drift_triggered", "service_id": "api", "actor": "slo-engine",
        "rationale": REASON, "detectors": ["adwin", "kswin", "page_hinkley"],
        "recommendation_marked_stale": True}
    assert verify_audit_chain(sweeping.world.ledger) == ChainVerification(True, 1)
    assert sweeping.detections == [("api", "adwin"), ("api", "kswin"), ("api", "page_hinkley")]


def test_a_second_sweep_within_the_cooldown_does_nothing() -> None:
    sweeping = Sweeping()
    sweeping.sweep(SHIFT + 900)
    jobs, events = dict(sweeping.jobs.jobs), sweeping.audit_actions()
    again = sweeping.sweep(SHIFT + 900)  # the same minutes again: a retried sweep job
    assert again == {"services": 2, "services_with_data": 2, "confirmed": 1, "drifts": {},
                     "in_cooldown": ["api"], "regeneration_job_id": None}
    assert (sweeping.jobs.jobs, sweeping.audit_actions()) == (jobs, events)
    assert sweeping.world.cache.generation("api") == 1
    assert len(sweeping.detections) == 3


def test_once_the_cooldown_lapses_the_same_drift_is_acted_on_again() -> None:
    sweeping = Sweeping()
    sweeping.sweep(SHIFT + 900)
    sweeping.cooldown_clock.now += SIX_HOURS_MS + 1
    again = sweeping.sweep(SHIFT + 900)
    assert list(again["drifts"]) == ["api"]
    # marked stale the first time: not marked again
    assert again["drifts"]["api"]["recommendation_marked_stale"] is False
    assert again["drifts"]["api"]["audit_sequence"] == 2
    assert sweeping.audit_actions() == ["drift_triggered", "drift_triggered"]
    assert len(sweeping.jobs.of_kind(JobKind.REGENERATE_RECOMMENDATIONS)) == 2


def test_the_sweep_is_planned_as_chunk_jobs_over_the_internal_services() -> None:
    sweeping = Sweeping()
    planned = sweeping.detect.plan_sweep()
    assert planned is not None
    (job,) = sweeping.jobs.of_kind(JobKind.DETECT_DRIFT)
    assert job.arguments == {"service_ids": ["api", "web"]}
    state = sweeping.jobs.state(planned)
    assert state is not None
    assert (state.status, state.parts) == ("queued", {"queued": 1})
