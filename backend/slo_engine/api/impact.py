"""Impact analysis (TRD FR-4): percent at this edge, ratios inside."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.response_model import ResponseModel
from slo_engine.api.security import access
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import percent
from slo_engine.api.wiring import Impact
from slo_engine.application.impact_analysis import ImpactAnalysis, ImpactedService
from slo_engine.application.journey_impact import JourneyImpact
from slo_engine.domain.access import Action
from slo_engine.domain.errors import InvalidInput

router = APIRouter(prefix="/api/v1/slos", tags=["impact analysis"])

Percent = Annotated[float, Field(gt=0, le=100, description="percent")]


class ProposedChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sli_type: Literal["availability", "latency"] = "availability"
    current_target: Percent | None = Field(None, description=(
        "Defaults to the active SLO target, else the observed 30-day availability"))
    proposed_target: Percent


class ImpactRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_id: Annotated[str, Field(min_length=1, max_length=253)]
    proposed_change: ProposedChange


class ProposedChangeView(ResponseModel):
    sli_type: Literal["availability"]
    current_target: float | None = Field(description="percent")
    current_target_source: Literal["request", "active_slo", "observed", "published_sla",
                                   "unknown"]
    proposed_target: float | None = Field(description="percent")


class ImpactedServiceView(ResponseModel):
    service_id: str
    relationship: Literal["upstream", "upstream (transitive)"]
    depth: int
    affects_composite: bool = Field(description="False: reached only over soft or "
                                                "asynchronous edges")
    current_composite_availability: float | None = Field(description="percent")
    projected_composite_availability: float | None = Field(description="percent")
    delta: float = Field(description="percentage points")
    current_slo_target: float | None = Field(description="percent")
    slo_at_risk: bool | None = Field(description="None: the service has no SLO to risk")
    method: Literal["serial", "exact", "monte_carlo"]
    note: str | None = None
    risk_detail: str | None = None


class JourneyImpactView(ResponseModel):
    journey_id: str
    name: str
    version: int
    current_composite_availability: float | None = Field(description="percent")
    projected_composite_availability: float | None = Field(description="percent")
    delta: float = Field(description="percentage points")
    availability_target: float | None = Field(description="percent")
    at_risk: bool | None = Field(description="None: the journey has no target to risk")


class ImpactSummary(ResponseModel):
    total_impacted: int
    slos_at_risk: int
    journeys_at_risk: int
    recommendation: str


class ImpactAnalysisView(ResponseModel):
    analysis_id: str
    generated_at: str
    service_id: str
    proposed_change: ProposedChangeView
    impacted_services: list[ImpactedServiceView]
    journeys: list[JourneyImpactView] = Field(description=(
        "Every journey whose steps need the changed service, largest fall first"))
    cycle: list[str] | None = Field(description="The changed service's cycle, if any")
    availability_sources: dict[str, int] = Field(
        description="How many services' availabilities came from each source")
    summary: ImpactSummary
    stale: bool
    stale_reason: str | None


@router.post("/impact-analysis", dependencies=[access(Action.READ, "impact")],
             summary="What a changed target does to every upstream service",
             response_model=ImpactAnalysisView, responses=problem_responses(404))
async def impact_analysis(body: ImpactRequest, impact: Impact) -> Response:
    """Serialised directly (thousands of upstream services): the test suite checks the
    body against the model."""
    change = body.proposed_change
    if change.sli_type != "availability":
        raise InvalidInput("Latency does not compose along dependencies (percentiles do not "
                           "add up), so only availability changes can be projected upstream.",
                           [{"pointer": "/proposed_change/sli_type",
                             "message": "use 'availability'"}])
    analysis = await impact.analyse(
        body.service_id, change.proposed_target / 100,
        None if change.current_target is None else change.current_target / 100)
    return Response(orjson.dumps(impact_document(analysis)), media_type="application/json")


def impact_document(analysis: ImpactAnalysis) -> dict[str, Any]:
    impacted = [_impacted_view(i) for i in analysis.impacted]
    at_risk = sum(1 for i in analysis.impacted if i.slo_at_risk)
    return {
        "analysis_id": analysis.analysis_id,
        "generated_at": iso_from_ms(analysis.generated_at_ms),
        "service_id": analysis.service_id,
        "proposed_change": {"sli_type": "availability",
                            "current_target": percent(analysis.current_ratio),
                            "current_target_source": analysis.current_source,
                            "proposed_target": percent(analysis.proposed_ratio)},
        "impacted_services": impacted,
        "journeys": [_journey_view(j) for j in analysis.journeys],
        "cycle": list(analysis.cycle) if analysis.cycle else None,
        "availability_sources": analysis.availability_sources,
        "summary": {"total_impacted": len(impacted), "slos_at_risk": at_risk,
                    "journeys_at_risk": sum(1 for j in analysis.journeys if j.at_risk),
                    "recommendation": _sentence(analysis, at_risk)
                    + _journeys_sentence(analysis.journeys)},
        "stale": analysis.stale, "stale_reason": analysis.stale_reason,
    }


def _impacted_view(item: ImpactedService) -> dict[str, Any]:
    view = {
        "service_id": item.service_id,
        "relationship": "upstream" if item.depth == 1 else "upstream (transitive)",
        "depth": item.depth,
        "affects_composite": item.affects_composite,
        "current_composite_availability": percent(item.current_composite_ratio),
        "projected_composite_availability": percent(item.projected_composite_ratio),
        "delta": round(item.delta_ratio * 100, 4),
        "current_slo_target": percent(item.slo_target_ratio),
        "slo_at_risk": item.slo_at_risk,
        "method": item.method,
    }
    if item.in_cycle_with_changed_service:
        view["note"] = "in a dependency cycle with the changed service (one supernode)"
    if item.slo_at_risk:
        view["risk_detail"] = (f"Composite drops below SLO target "
                               f"({percent(item.slo_target_ratio)}% > "
                               f"{percent(item.projected_composite_ratio)}%)")
    elif not item.affects_composite:
        view["risk_detail"] = "Reaches the service only over soft or asynchronous edges"
    return view


def _journey_view(journey: JourneyImpact) -> dict[str, Any]:
    return {"journey_id": journey.journey_id, "name": journey.name,
            "version": journey.version,
            "current_composite_availability": percent(journey.current_composite_ratio),
            "projected_composite_availability": percent(journey.projected_composite_ratio),
            "delta": round((journey.projected_composite_ratio
                            - journey.current_composite_ratio) * 100, 4),
            "availability_target": percent(journey.target_ratio),
            "at_risk": journey.at_risk}


def _journeys_sentence(journeys: list[JourneyImpact]) -> str:
    names = [j.name for j in journeys if j.at_risk]
    if not names:
        return ""
    return f" Journeys put at risk: {', '.join(names)}."


def _sentence(analysis: ImpactAnalysis, at_risk: int) -> str:
    verb = "Reducing" if analysis.proposed_ratio < analysis.current_ratio else "Changing"
    head = f"{verb} {analysis.service_id} to {percent(analysis.proposed_ratio)}%"
    if not analysis.impacted:
        return f"{head} affects no upstream service."
    if at_risk:
        return f"{head} puts {at_risk} upstream service(s) at risk of SLO breach."
    return f"{head} puts no upstream SLO at risk ({len(analysis.impacted)} upstream services)."
