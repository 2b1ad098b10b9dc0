"""Cycle alerts: strongly connected components found after each ingestion."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.response_model import ResponseModel
from slo_engine.api.security import access
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.wiring import Cycles
from slo_engine.domain.access import Action, Principal

router = APIRouter(prefix="/api/v1/graph/cycles", tags=["cycles"])

CycleStatus = Literal["open", "acknowledged", "resolved"]


class CycleAlertView(ResponseModel):
    cycle_id: str
    cycle_path: list[str] = Field(description="A shortest cycle, first service repeated last.")
    members: list[str] = Field(description="Every service of the strongly connected component.")
    status: CycleStatus
    detected_at: str | None
    last_seen_at: str | None
    updated_at: str | None
    acknowledged_by: str | None
    resolution_notes: str | None


class CycleAlertList(ResponseModel):
    items: list[CycleAlertView]


class CycleAlertUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["acknowledged", "resolved"]
    resolution_notes: Annotated[str, Field(max_length=4000)] | None = None


def _view(row: dict[str, Any]) -> CycleAlertView:
    times = {k: iso_from_ms(row[k]) for k in ("detected_at", "last_seen_at", "updated_at")}
    return CycleAlertView(**{**row, **times})


@router.get("", dependencies=[access(Action.READ, "default")],
            response_model=CycleAlertList, summary="Detected dependency cycles")
def list_cycles(cycles: Cycles, status: CycleStatus | None = None) -> CycleAlertList:
    return CycleAlertList(items=[_view(r) for r in cycles.list(status)])


@router.patch("/{cycle_id}", response_model=CycleAlertView,
              summary="Acknowledge or resolve a cycle alert (as the caller)",
              responses=problem_responses(404))
def patch_cycle(
    cycle_id: Annotated[str, Path(max_length=64)], body: CycleAlertUpdate,
    cycles: Cycles,
    principal: Annotated[Principal, access(Action.ADMINISTER, "default")],
) -> CycleAlertView:
    row = cycles.update(cycle_id, body.status, principal.actor, body.resolution_notes)
    return _view(row)
