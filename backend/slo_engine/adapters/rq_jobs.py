"""The job queue port on RQ: one queue per concern, retries, groups of chunks.

Jobs name their function by import path (`workers.jobs.<kind>`), so this module never
imports the workers; arguments are plain ids and lists. A fleet job is an RQ group of
chunk jobs; its state adds up over the chunks. In inline mode RQ runs each job in the
enqueuing thread (`is_async=False`), with the caller's container as the job context.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import redis
from rq import Queue, Retry
from rq.exceptions import NoSuchGroupError, NoSuchJobError
from rq.group import Group
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.worker import Worker

from slo_engine.application.jobs import JobKind, JobProgress, JobState
from slo_engine.domain.errors import DependencyUnavailable

# Queue names in the order a worker serves them: quick graph work and notifications
# first, then the simulations people wait for, bulk telemetry and regeneration after.
QUEUE_OF = {
    JobKind.ANALYSE_GRAPH: "graph",
    JobKind.DELIVER_NOTIFICATION: "notifications",
    JobKind.DETECT_DRIFT: "telemetry",
    JobKind.AGGREGATE_SLIS: "telemetry",
    JobKind.FIT_FORECAST_PRIORS: "telemetry",
    JobKind.DISCOVER_GRAPH: "telemetry",
    JobKind.REGENERATE_RECOMMENDATIONS: "recommendations",
    JobKind.SIMULATE_SLO: "simulations",
}
QUEUE_NAMES = ("graph", "notifications", "simulations", "telemetry", "recommendations")
TIMEOUT_SECONDS = {
    JobKind.ANALYSE_GRAPH: 600, JobKind.DELIVER_NOTIFICATION: 300,
    JobKind.DETECT_DRIFT: 900, JobKind.AGGREGATE_SLIS: 900,
    JobKind.FIT_FORECAST_PRIORS: 1800, JobKind.DISCOVER_GRAPH: 900,
    JobKind.REGENERATE_RECOMMENDATIONS: 1800,
    # A backstop only: a simulation stops itself at its own limit (at most 600 s).
    JobKind.SIMULATE_SLO: 660,
}
# Not retried: a simulation that failed (bad input, its time limit) fails again; the
# caller asks anew.
NOT_RETRIED = frozenset({JobKind.SIMULATE_SLO})
RETRY_INTERVALS_SECONDS = [10, 30, 60]
ENDED = {"finished", "failed", "canceled", "stopped"}
FLEET_PREFIX = "fleet-"
COMPONENT = "job queue (Redis)"

InlineContext = Callable[[], AbstractContextManager[None]]


def job_function(kind: JobKind) -> str:
    return f"workers.jobs.{kind.value}"


class RqJobQueue:
    def __init__(self, connection: redis.Redis, inline: bool = False, retries: int = 3,
                 result_ttl_seconds: int = 86_400,
                 inline_context: InlineContext | None = None) -> None:
        self._connection = connection
        self._inline = inline
        self._retries = retries
        self._result_ttl = result_ttl_seconds
        self._inline_context = inline_context or contextlib.nullcontext

    def queue(self, kind: JobKind) -> Queue:
        return Queue(QUEUE_OF[kind], connection=self._connection, is_async=not self._inline)

    def enqueue(self, kind: JobKind, arguments: Mapping[str, Any], job_id: str | None = None
                ) -> str:
        job_id = job_id or f"{kind.value}-{uuid.uuid4().hex[:16]}"
        with self._inline_context(), _redis_errors():
            job = self.queue(kind).enqueue_call(
                job_function(kind), kwargs=dict(arguments), **self._options(kind, job_id,
                                                                             arguments))
        return str(job.id)

    def enqueue_chunks(self, kind: JobKind, chunks: list[Mapping[str, Any]]) -> str:
        if self._inline:
            # One thread runs them all anyway; and RQ's synchronous mode loses the outcome
            # of jobs enqueued through a group's pipeline (the pipeline runs after them).
            return self.enqueue(kind, _merged(chunks))
        group = Group(self._connection, f"{FLEET_PREFIX}{kind.value}-{uuid.uuid4().hex[:16]}")
        queue = self.queue(kind)
        prepared = [Queue.prepare_data(
            job_function(kind), kwargs=dict(chunk),
            **self._options(kind, f"{group.name}-{k}", chunk)) for k, chunk in enumerate(chunks)]
        with self._inline_context(), _redis_errors():
            group.enqueue_many(queue, prepared)
        return group.name

    def _options(self, kind: JobKind, job_id: str, arguments: Mapping[str, Any]
                 ) -> dict[str, Any]:
        services = arguments.get("service_ids")
        meta: dict[str, Any] = {"kind": kind.value}
        if isinstance(services, list):
            meta["progress"] = {"done": 0, "total": len(services), "failed": 0}
        retry = Retry(max=self._retries, interval=RETRY_INTERVALS_SECONDS) \
            if self._retries and not self._inline and kind not in NOT_RETRIED else None
        return {"job_id": job_id, "timeout": TIMEOUT_SECONDS[kind], "meta": meta,
                "result_ttl": self._result_ttl, "failure_ttl": self._result_ttl,
                "retry": retry}

    def state(self, job_id: str) -> JobState | None:
        if job_id.startswith(FLEET_PREFIX):
            return self._group_state(job_id)
        try:
            job = Job.fetch(job_id, connection=self._connection)
        except NoSuchJobError:
            return None
        return _job_state(job)

    def _group_state(self, group_id: str) -> JobState | None:
        try:
            jobs = Group.fetch(group_id, self._connection).get_jobs()
        except NoSuchGroupError:
            return None
        if not jobs:
            return None
        parts = [_job_state(job) for job in jobs]
        counts: dict[str, int] = {}
        for part in parts:
            counts[part.status] = counts.get(part.status, 0) + 1
        progress = [p.progress for p in parts if p.progress is not None]
        failures = [p.error for p in parts if p.error]
        return JobState(
            job_id=group_id, kind=parts[0].kind, status=_group_status(counts),
            enqueued_at_ms=min((p.enqueued_at_ms for p in parts if p.enqueued_at_ms),
                               default=None),
            started_at_ms=min((p.started_at_ms for p in parts if p.started_at_ms), default=None),
            ended_at_ms=(max((p.ended_at_ms or 0 for p in parts), default=None)
                         if set(counts) <= ENDED else None),
            progress=JobProgress(sum(p.done for p in progress), sum(p.total for p in progress),
                                 sum(p.failed for p in progress)) if progress else None,
            result=None, error=failures[0] if failures else None, parts=counts)

    def failed(self, limit: int) -> list[JobState]:
        found: list[JobState] = []
        for name in QUEUE_NAMES:
            queue = Queue(name, connection=self._connection)
            ids = FailedJobRegistry(queue=queue).get_job_ids(0, limit - 1)
            found.extend(_job_state(job) for job in Job.fetch_many(ids, self._connection)
                         if job is not None)
        return sorted(found, key=lambda s: s.ended_at_ms or 0, reverse=True)[:limit]

    def workers_alive(self) -> int:
        return int(Worker.count(connection=self._connection))


def _merged(chunks: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Chunks of service ids as one job's arguments."""
    return {"service_ids": [s for chunk in chunks for s in chunk["service_ids"]]}


@contextlib.contextmanager
def _redis_errors() -> Iterator[None]:
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError) as error:
        raise DependencyUnavailable(COMPONENT, str(error)) from error


def _group_status(counts: Mapping[str, int]) -> str:
    if set(counts) <= ENDED:
        return "failed" if counts.get("failed") else "finished"
    if counts.get("started") or set(counts) & ENDED:
        return "started"
    return "queued"


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def _job_state(job: Job) -> JobState:
    found = job.get_status(refresh=False)
    status = found.value if found is not None else "queued"
    meta = job.meta or {}
    progress = meta.get("progress")
    result = job.latest_result()
    error = None
    if status == "failed" and result is not None and result.exc_string:
        error = result.exc_string.strip().splitlines()[-1][:500]
    value = job.return_value() if status == "finished" else None
    return JobState(
        job_id=str(job.id), kind=str(meta.get("kind", job.func_name)), status=status,
        enqueued_at_ms=_ms(job.enqueued_at), started_at_ms=_ms(job.started_at),
        ended_at_ms=_ms(job.ended_at),
        progress=JobProgress(int(progress["done"]), int(progress["total"]),
                             int(progress.get("failed", 0))) if progress else None,
        result=value if isinstance(value, dict) else None, error=error)
