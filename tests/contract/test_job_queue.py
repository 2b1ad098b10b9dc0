"""The JobQueue contract, on RQ over Redis (with no worker running, so every job stays
queued) and on the in-memory fake."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from slo_engine.adapters.rq_jobs import RqJobQueue
from slo_engine.application.jobs import JobKind, JobProgress, JobState
from slo_engine.application.ports import JobQueue
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.fakes import InMemoryJobQueue


@pytest.fixture(params=["rq", "memory"])
def queue(request: pytest.FixtureRequest, redis_server: ServerProcess) -> Iterator[JobQueue]:
    if request.param == "memory":
        yield InMemoryJobQueue()
        return
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield RqJobQueue(client)
    client.close()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def test_a_job_waits_queued_under_the_id_it_was_given(queue: JobQueue) -> None:
    before = now_ms()
    job_id = queue.enqueue(JobKind.DELIVER_NOTIFICATION, {"notification": {"n": 1}},
                           job_id="deliver_notification-n1")
    after = now_ms()
    assert job_id == "deliver_notification-n1"
    state = queue.state(job_id)
    assert state is not None
    assert state.enqueued_at_ms is not None
    assert before - 1 <= state.enqueued_at_ms <= after + 1
    assert state == JobState("deliver_notification-n1", "deliver_notification", "queued",
                             state.enqueued_at_ms)


def test_a_job_without_an_id_gets_one_named_after_its_kind(queue: JobQueue) -> None:
    first = queue.enqueue(JobKind.AGGREGATE_SLIS, {})
    second = queue.enqueue(JobKind.AGGREGATE_SLIS, {})
    assert first != second
    assert [first[:15], second[:15]] == ["aggregate_slis-", "aggregate_slis-"]
    state = queue.state(first)
    assert state is not None
    assert (state.kind, state.status) == ("aggregate_slis", "queued")


def test_a_job_over_services_reports_progress_over_them(queue: JobQueue) -> None:
    job_id = queue.enqueue(JobKind.REGENERATE_RECOMMENDATIONS, {"service_ids": ["a", "b"]})
    state = queue.state(job_id)
    assert state is not None
    assert state.progress == JobProgress(0, 2, 0)


def test_enqueuing_an_id_again_replaces_the_earlier_job(queue: JobQueue) -> None:
    queue.enqueue(JobKind.REGENERATE_RECOMMENDATIONS, {"service_ids": ["a"]}, job_id="regen-1")
    queue.enqueue(JobKind.REGENERATE_RECOMMENDATIONS, {"service_ids": ["a", "b", "c"]},
                  job_id="regen-1")
    state = queue.state("regen-1")
    assert state is not None
    assert state.progress == JobProgress(0, 3, 0)


def test_chunks_are_one_fleet_job_whose_progress_adds_up_over_them(queue: JobQueue) -> None:
    fleet = queue.enqueue_chunks(JobKind.REGENERATE_RECOMMENDATIONS,
                                 [{"service_ids": ["a", "b"]}, {"service_ids": ["c"]}])
    state = queue.state(fleet)
    assert state is not None
    assert (state.job_id, state.kind, state.status) == (fleet, "regenerate_recommendations",
                                                        "queued")
    assert (state.progress, state.parts) == (JobProgress(0, 3, 0), {"queued": 2})
    assert (state.started_at_ms, state.ended_at_ms, state.result, state.error) == (
        None, None, None, None)
    other = queue.enqueue_chunks(JobKind.REGENERATE_RECOMMENDATIONS, [{"service_ids": ["d"]}])
    assert other != fleet


def test_an_unknown_job_or_fleet_job_has_no_state(queue: JobQueue) -> None:
    assert queue.state("detect_drift-0123456789abcdef") is None
    assert queue.state("fleet-detect_drift-0123456789abcdef") is None


def test_with_no_worker_nothing_has_failed(queue: JobQueue) -> None:
    queue.enqueue(JobKind.ANALYSE_GRAPH, {})
    assert (queue.failed(10), queue.workers_alive()) == ([], 0)


def test_a_queue_whose_redis_is_down_is_unavailable() -> None:
    """RQ only: the fake has no server to lose."""
    client = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2,
                         retry=Retry(NoBackoff(), 0))
    with pytest.raises(DependencyUnavailable, match="job queue"):
        RqJobQueue(client).enqueue(JobKind.ANALYSE_GRAPH, {})
