"""Starting fleet jobs and following them: what `POST /jobs` and `GET /jobs/...` ask."""

from __future__ import annotations

from dataclasses import dataclass

from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.jobs import JobKind, JobState
from slo_engine.application.ports import JobQueue
from slo_engine.application.regenerate_recommendations import enqueue_regeneration
from slo_engine.domain.errors import InvalidInput, JobNotFound

FLEET_WIDE = (JobKind.AGGREGATE_SLIS, JobKind.DETECT_DRIFT, JobKind.FIT_FORECAST_PRIORS,
              JobKind.DISCOVER_GRAPH)


@dataclass(frozen=True)
class BackgroundJobs:
    """Knows how to start a job of a kind over the fleet (or, for regeneration, over named
    services) and how to look jobs up."""

    queue: JobQueue
    snapshots: SnapshotHolder
    regeneration_chunk_services: int

    def start(self, kind: JobKind, service_ids: list[str] | None = None) -> str:
        if kind in FLEET_WIDE:
            if service_ids is not None:
                raise InvalidInput("Aggregation, drift sweeps, prior fits and discovery always "
                                   "cover the whole fleet.", [{"pointer": "/service_ids",
                                                     "message": f"omit service_ids for {kind}"}])
            return self.queue.enqueue(kind, {})
        if kind is not JobKind.REGENERATE_RECOMMENDATIONS:
            raise InvalidInput(f"Jobs of kind {kind} are not started by hand.",
                               [{"pointer": "/kind", "message": "name a fleet job kind"}])
        return enqueue_regeneration(self.queue, self.snapshots, service_ids,
                                    self.regeneration_chunk_services)

    def get_or_raise(self, job_id: str) -> JobState:
        state = self.queue.state(job_id)
        if state is None:
            raise JobNotFound(job_id)
        return state

    def failed(self, limit: int) -> list[JobState]:
        return self.queue.failed(limit)
