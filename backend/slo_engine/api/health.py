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
from slo_engine.api.wiring import Probes, ReadinessProbes

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


def _workers_alive(probes: ReadinessProbes) -> int | None:
    if probes.workers_alive is None:
        return None
    try:
        return probes.workers_alive()
    except Exception:  # a count for information only; readiness was decided above
        return None


@router.get("/ready", response_model=Readiness,
            responses={503: {"model": Readiness, "description": "A dependency is down"}},
            summary="Every backing server answers")
async def ready(probes: Probes) -> JSONResponse:
    checks = {
        f"graph_store ({probes.graph_backend})": await _check(probes.graph_store),
        "redis": await _check(probes.redis),
    }
    if probes.prometheus is not None:
        checks["prometheus"] = await _check_async(probes.prometheus)
    ok = all(c.status == "ok" for c in checks.values())
    body = Readiness(status="ready" if ok else "not_ready", checks=checks,
                     background_workers=await run_in_threadpool(_workers_alive, probes)
                     if ok else None)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
