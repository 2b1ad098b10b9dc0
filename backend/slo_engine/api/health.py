"""Liveness and readiness (TRD FR-8)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from slo_engine import __version__
from slo_engine.api.wiring import ContainerDep

router = APIRouter(prefix="/api/v1/health", tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"]
    version: str


class ComponentCheck(BaseModel):
    status: Literal["ok", "unavailable"]
    detail: str | None = None


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, ComponentCheck]


@router.get("", response_model=Liveness, summary="The process is up")
def health() -> Liveness:
    return Liveness(status="ok", version=__version__)


def _check(probe: object) -> ComponentCheck:
    try:
        probe()  # type: ignore[operator]
    except Exception as error:  # any failure means not ready; the detail says which
        return ComponentCheck(status="unavailable", detail=f"{type(error).__name__}: {error}")
    return ComponentCheck(status="ok")


@router.get("/ready", response_model=Readiness,
            responses={503: {"model": Readiness, "description": "A dependency is down"}},
            summary="Every backing server answers")
def ready(container: ContainerDep) -> JSONResponse:
    checks = {
        f"graph_store ({container.graph.backend})": _check(container.graph.ping),
        "redis": _check(container.redis.ping),
    }
    ok = all(c.status == "ok" for c in checks.values())
    body = Readiness(status="ready" if ok else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
