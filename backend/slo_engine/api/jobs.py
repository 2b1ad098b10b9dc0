"""Background jobs: start a fleet job, follow its progress, see what failed."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.ingestion_schemas import SERVICE_ID_PATTERN
from slo_engine.api.response_model import ResponseModel
from slo_engine.api.security import access
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.wiring import Jobs
from slo_engine.application.jobs import JobKind, JobState
from slo_engine.domain.access import Action

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

ServiceId = Annotated[str, Field(pattern=SERVICE_ID_PATTERN, max_length=256)]


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["regenerate_recommendations", "aggregate_slis", "detect_drift",
                  "fit_forecast_priors", "discover_graph"]
    service_ids: Annotated[list[ServiceId], Field(min_length=1, max_length=50_000)] | None = (
        Field(default=None, description="Regeneration only: these services; omit for the "
                                        "whole fleet"))


class JobProgressView(ResponseModel):
    done: int
    total: int
    failed: int


class JobView(ResponseModel):
    job_id: str
    kind: str
    status: str = Field(description="queued, started, finished, failed, scheduled, "
                                    "deferred, canceled or stopped")
    enqueued_at: str | None
    started_at: str | None
    ended_at: str | None
    progress: JobProgressView | None = Field(
        description="Services done so far (fleet jobs add up over their chunks)")
    parts: dict[str, int] = Field(description="A fleet job's chunks by status")
    result: dict[str, object] | None
    error: str | None = Field(description="The last line of the error of a failed job")


class JobList(ResponseModel):
    items: list[JobView]


class JobAccepted(ResponseModel):
    job_id: str
    kind: str
    status_url: str


def job_view(state: JobState) -> JobView:
    progress = state.progress
    return JobView(
        job_id=state.job_id, kind=state.kind, status=state.status,
        enqueued_at=iso_from_ms(state.enqueued_at_ms), started_at=iso_from_ms(state.started_at_ms),
        ended_at=iso_from_ms(state.ended_at_ms),
        progress=None if progress is None else JobProgressView(
            done=progress.done, total=progress.total, failed=progress.failed),
        parts=state.parts, result=state.result, error=state.error)


@router.post("", status_code=202, response_model=JobAccepted,
             dependencies=[access(Action.ADMINISTER, "default")],
             summary="Start a background job: regenerate recommendations, aggregate SLIs, "
                     "sweep the fleet for drift, fit the forecast priors, or discover "
                     "the graph from servicegraph and mesh metrics")
def start_job(body: JobRequest, jobs: Jobs, response: Response) -> JobAccepted:
    job_id = jobs.start(JobKind(body.kind), body.service_ids)
    status_url = f"/api/v1/jobs/{job_id}"
    response.headers["Location"] = status_url
    return JobAccepted(job_id=job_id, kind=JobKind(body.kind).value, status_url=status_url)


@router.get("/failed", response_model=JobList, dependencies=[access(Action.READ, "default")],
            summary="The failed-job registry, newest first")
def list_failed_jobs(jobs: Jobs, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> JobList:
    return JobList(items=[job_view(s) for s in jobs.failed(limit)])


@router.get("/{job_id}", response_model=JobView, dependencies=[access(Action.READ, "default")],
            summary="A job's status and progress")
def get_job(job_id: Annotated[str, Path(max_length=128, pattern=r"^[A-Za-z0-9_-]+$")],
            jobs: Jobs) -> JobView:
    return job_view(jobs.get_or_raise(job_id))
