"""Liveness and readiness (TRD FR-8)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import Field

from slo_engine import __version__
from slo_engine.api.response_model import ResponseModel
from slo_engine.api.wiring import ContainerDep
from slo_engine.runtime.bootstrap import Container

router = APIRouter(prefix="/api/v1/health", tags=["health"])


class Liveness(ResponseModel):
    status: Literal["ok"]
    version: str


class ComponentCheck(ResponseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


class Readiness(ResponseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, ComponentCheck]
    background_workers: int | None = Field(
        default=None, description="RQ workers alive (not part of readiness: jobs wait in "
                                  "their queues meanwhile); null in inline job mode or "
                                  "when Redis does not answer")


@router.get("", response_model=Liveness, summary="The process is up")
def health() -> Liveness:
    return Liveness(status="ok", version=__version__)


def _failed(error: Exception) -> ComponentCheck:
    return ComponentCheck(status="unavailable", detail=f"{type(error).__name__}: {error}")


async def _check(probe: Callable[[], object]) -> ComponentCheck:
    try:
        await run_in_threadpool(probe)
    except Exception as error:  # any failure means not ready; the detail says which
        return _failed(error)
    return ComponentCheck(status="ok")


async def _check_async(probe: Callable[[], Awaitable[None]]) -> ComponentCheck:
    try:
        await probe()
    except Exception as error:  # any failure means not ready; the detail says which
        return _failed(error)
    return ComponentCheck(status="ok")


def _workers_alive(container: Container) -> int | None:
    try:
        return container.jobs.workers_alive()
    except Exception:  # a count for information only; readiness was decided above
        return None


@router.get("/ready", response_model=Readiness,
            responses={503: {"model": Readiness, "description": "A dependency is down"}},
            summary="Every backing server answers")
async def ready(container: ContainerDep) -> JSONResponse:
    checks = {
        f"graph_store ({container.graph.backend})": await _check(container.graph.ping),
        "redis": await _check(container.redis.ping),
    }
    if container.telemetry is not None:
        checks["prometheus"] = await _check_async(container.telemetry.ready)
    ok = all(c.status == "ok" for c in checks.values())
    body = Readiness(status="ready" if ok else "not_ready", checks=checks,
                     background_workers=await run_in_threadpool(_workers_alive, container)
                     if ok and container.settings.job_mode == "workers" else None)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
