"""The SLO lifecycle (TRD FR-5): decide on a recommendation, read versions and history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.security import access
from slo_engine.api.slo_schemas import (
    RecommendationRejected,
    SloDecided,
    SloHistory,
    SloVersions,
)
from slo_engine.api.slo_views import audit_event_view, slo_view
from slo_engine.api.wiring import Decisions, Records
from slo_engine.application.decide_slo import SloDecision
from slo_engine.domain.access import Action, Principal
from slo_engine.domain.slo import SloTargets

router = APIRouter(prefix="/api/v1/services", tags=["slo lifecycle"])

ServiceId = Annotated[str, Path(min_length=1, max_length=253)]
Decider = Annotated[Principal, access(Action.DECIDE, "decide", service_scoped=True)]
LatencyMs = Annotated[float, Field(gt=0, le=600_000)]


class Modifications(BaseModel):
    model_config = ConfigDict(extra="forbid")

    availability_target: Annotated[float, Field(gt=0, lt=100, description="percent")] | None = None
    latency_p95_target_ms: LatencyMs | None = None
    latency_p99_target_ms: LatencyMs | None = None
    latency_p999_target_ms: LatencyMs | None = None

    def targets(self) -> SloTargets:
        latency = {label: ms / 1000 for label, ms in (
            ("p95", self.latency_p95_target_ms), ("p99", self.latency_p99_target_ms),
            ("p999", self.latency_p999_target_ms)) if ms is not None}
        ratio = None if self.availability_target is None else self.availability_target / 100
        return SloTargets(ratio, latency)


class SloDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recommendation_id: Annotated[str, Field(min_length=1, max_length=64)]
    action: Literal["accept", "modify", "reject"]
    selected_tier: Literal["conservative", "balanced", "aggressive"] = "balanced"
    modifications: Modifications | None = None
    rationale: Annotated[str, Field(max_length=4000)] | None = None
    expected_version: Annotated[int, Field(ge=0, description=(
        "The SLO version you decided against (0: none yet); a different current version "
        "answers 409 instead of applying the decision."))] | None = None


@router.post("/{service_id}/slos", summary="Accept, modify or reject a recommendation",
             status_code=201, response_model=SloDecided,
             responses={200: {"model": RecommendationRejected, "description": "Rejected"},
                         **problem_responses(404, 409)})
def decide(service_id: ServiceId, body: SloDecisionRequest, decisions: Decisions,
           principal: Decider) -> SloDecided | JSONResponse:
    """The decider is the caller's OIDC identity: the audit trail records its subject."""
    modifications = body.modifications.targets() if body.modifications else SloTargets()
    outcome = decisions.decide(service_id, SloDecision(
        body.recommendation_id, body.action, principal.actor, body.selected_tier,
        modifications, body.rationale, body.expected_version))
    if outcome.slo is None:  # 200, its own model (response_model is the 201's)
        return JSONResponse(RecommendationRejected(
            service_id=service_id, recommendation_id=body.recommendation_id,
            status="rejected", rationale=body.rationale,
            audit_sequence=outcome.audit_sequence).model_dump())
    return SloDecided.model_validate({**slo_view(outcome.slo), "status": "active",
                                      "audit_sequence": outcome.audit_sequence})


@router.get("/{service_id}/slos", dependencies=[access(Action.READ, "slos")],
            summary="The active SLO and every earlier version", response_model=SloVersions,
            responses=problem_responses(404))
def list_slos(service_id: ServiceId, records: Records) -> dict[str, Any]:
    versions = records.versions(service_id)  # newest (the active one) first
    return {"service_id": service_id,
            "active": slo_view(versions[0]) if versions else None,
            "versions": [{**slo_view(v), "status": "active" if k == 0 else "superseded"}
                         for k, v in enumerate(versions)]}


@router.get("/{service_id}/slo-history", dependencies=[access(Action.READ, "slo_history")],
            summary="The audit trail of a service's SLOs", response_model=SloHistory,
            responses=problem_responses(404))
def slo_history(service_id: ServiceId, records: Records,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    events = records.audit_trail(service_id, limit)
    return {"service_id": service_id, "events": [audit_event_view(e) for e in events]}
