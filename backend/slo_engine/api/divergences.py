"""Divergences: where runtime-observed edges and declared ones disagree (TRD FR-1 step 5)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from slo_engine.api.response_model import ResponseModel
from slo_engine.api.security import access
from slo_engine.api.wiring import Divergences
from slo_engine.domain.access import Action
from slo_engine.domain.divergence import DivergenceKind

router = APIRouter(prefix="/api/v1/graph/divergences", tags=["dependencies"])

KindName = Literal["declared_not_observed", "observed_not_declared", "attribute_disagreement"]


class DivergenceView(ResponseModel):
    kind: KindName
    source: str = Field(description="The calling service")
    target: str = Field(description="The called service")
    declared_by: list[str] = Field(description="Declared sources naming the edge "
                                               "(manual, kubernetes)")
    observed_by: list[str] = Field(description="Runtime sources that saw it within the "
                                               "staleness window (service_mesh, "
                                               "otel_service_graph)")
    attribute: str | None = Field(description="attribute_disagreement: which attribute")
    declared: Any = Field(description="attribute_disagreement: the declared value")
    observed: Any = Field(description="attribute_disagreement: the observed value")


class DivergenceList(ResponseModel):
    items: list[DivergenceView]


@router.get("", dependencies=[access(Action.READ, "default")], response_model=DivergenceList,
            summary="Edges declared but not observed, observed but not declared, or "
                    "observed with other attributes than declared")
def list_divergences(
    divergences: Divergences,
    team: Annotated[str | None, Query(max_length=256, description="Either end's team")] = None,
    kind: KindName | None = None,
) -> DivergenceList:
    found = divergences.list(team, DivergenceKind(kind) if kind else None)
    return DivergenceList(items=[DivergenceView(**d.as_dict()) for d in found])
