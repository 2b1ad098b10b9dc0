"""User journeys (issue 19 item 3): define, revise, read, and recommend SLOs for them.
Percent at this edge, ratios inside."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from slo_engine.api.journey_schemas import (
    JourneyBody,
    JourneyDocument,
    JourneyList,
    JourneyRecommendationDocument,
    JourneyRevision,
    JourneyVersions,
    JourneyView,
)
from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.security import access
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import percent
from slo_engine.api.wiring import JourneyRoutes
from slo_engine.application.journey_composite import JourneyComposite
from slo_engine.application.journey_recommendations import (
    JourneyRecommendation,
    JourneyTier,
    ObservedTiers,
)
from slo_engine.application.journeys import JourneyDefinition
from slo_engine.application.ports import Row
from slo_engine.domain.access import Action, Principal

router = APIRouter(prefix="/api/v1/journeys", tags=["journeys"])

JourneyId = Annotated[str, Path(min_length=1, max_length=64)]
Writer = Annotated[Principal, access(Action.ADMINISTER, "default")]
Correlation = Annotated[float | None, Query(ge=0, le=1, description=(
    "How strongly services sharing a failure domain fail together; default: the setting"))]
Seed = Annotated[int | None, Query(ge=0, le=2**63 - 1, description=(
    "Seeds the Monte Carlo; default: one derived from the journey id"))]
COMPOSITE_METHOD = (
    "Independent: the composite of a virtual caller needing every step, over the union "
    "of the steps' hard synchronous closures, each distinct service once, with own "
    "availabilities as impact analysis counts them. Correlated: services sharing a "
    "failure domain (metadata keys from the settings) are driven by the domain's bad "
    "moments with probability `correlation`, keeping each service's availability; the "
    "mean over draws of P(essential services up | domains) x [the rest holds], with its "
    "standard error.")
TIERS_METHOD = (
    "Composite tiers: balanced at the correlated composite rounded down, conservative "
    "twice its errors, aggressive half. Observed tiers: the entry service's forecast of "
    "the next period, capped by the correlated composite unless its history contradicts "
    "it. Step shares: each step's Shapley share of the journey's unavailability (a "
    "service shared by steps split equally), over the stated balanced tier's budget.")


@router.post("", status_code=201, response_model=JourneyView,
             summary="Define a journey: an entry service and the services it passes",
             responses=problem_responses(404))
def create_journey(body: JourneyBody, routes: JourneyRoutes, principal: Writer
                   ) -> dict[str, Any]:
    return journey_view(routes.journeys.create(_definition(body), principal.actor))


@router.put("/{journey_id}", response_model=JourneyView,
            summary="Revise a journey: a new version superseding the latest",
            responses=problem_responses(404, 409))
def revise_journey(journey_id: JourneyId, body: JourneyRevision, routes: JourneyRoutes,
                   principal: Writer) -> dict[str, Any]:
    return journey_view(routes.journeys.revise(journey_id, _definition(body),
                                               principal.actor, body.expected_version))


@router.get("", response_model=JourneyList, dependencies=[access(Action.READ, "default")],
            summary="Every journey's latest version, by name")
def list_journeys(routes: JourneyRoutes) -> dict[str, Any]:
    return {"journeys": [journey_view(j) for j in routes.journeys.current()]}


@router.get("/{journey_id}", response_model=JourneyDocument,
            dependencies=[access(Action.READ, "simulations")],
            summary="A journey's latest version and its composite availability",
            responses=problem_responses(404))
async def get_journey(journey_id: JourneyId, routes: JourneyRoutes,
                      correlation: Correlation = None, seed: Seed = None) -> dict[str, Any]:
    composite = await routes.composites.composite(journey_id, correlation, seed)
    return {**journey_view(composite.journey), "composite": composite_view(composite),
            "stale": composite.stale, "stale_reason": composite.stale_reason}


@router.get("/{journey_id}/versions", response_model=JourneyVersions,
            dependencies=[access(Action.READ, "default")],
            summary="Every version of a journey, newest first",
            responses=problem_responses(404))
def journey_versions(journey_id: JourneyId, routes: JourneyRoutes) -> dict[str, Any]:
    return {"journey_id": journey_id,
            "versions": [journey_view(v) for v in routes.journeys.versions(journey_id)]}


@router.get("/{journey_id}/slo-recommendations", response_model=JourneyRecommendationDocument,
            dependencies=[access(Action.READ, "recommendations")],
            summary="A journey's SLO tiers and each step's share of its budget",
            responses=problem_responses(404))
async def journey_recommendations(journey_id: JourneyId, routes: JourneyRoutes,
                                  correlation: Correlation = None, seed: Seed = None
                                  ) -> dict[str, Any]:
    return recommendation_document(
        await routes.recommendations.recommend(journey_id, correlation, seed))


def _definition(body: JourneyBody) -> JourneyDefinition:
    target = None if body.availability_target is None else body.availability_target / 100
    return JourneyDefinition(body.name, list(body.steps), target)


def journey_view(journey: Row) -> dict[str, Any]:
    return {"journey_id": journey["journey_id"], "version": journey["version"],
            "version_id": journey["version_id"], "name": journey["name"],
            "steps": list(journey["steps"]), "entry_service_id": journey["entry_service_id"],
            "availability_target": percent(journey.get("availability_target_ratio")),
            "created_at": iso_from_ms(int(journey["created_at"])),
            "created_by": journey["created_by"]}


def composite_view(composite: JourneyComposite) -> dict[str, Any]:
    independent, correlated = composite.independent, composite.correlated
    return {
        "independent": {
            "availability": percent(independent.availability_ratio),
            "method": independent.method,
            "error_bound": round(independent.error_bound_ratio * 100, 4),
            "counted_services": len(independent.counted_services) - 1,  # the virtual caller
            "excluded_dependencies": [{"source": e.source, "target": e.target,
                                       "reason": e.reason} for e in independent.excluded]},
        "correlated": {
            "availability": percent(correlated.availability_ratio),
            "standard_error": round(correlated.standard_error_ratio * 100, 4),
            "correlation": composite.correlation, "draws": correlated.draws,
            "seed": composite.seed,
            "failure_domains": [{"domain": d, "services": list(s)}
                                for d, s in correlated.shared_domains.items()]},
        "availability_sources": composite.sources,
        "method": COMPOSITE_METHOD,
    }


def recommendation_document(result: JourneyRecommendation) -> dict[str, Any]:
    journey = result.composite.journey
    return {
        "journey_id": journey["journey_id"], "version": journey["version"],
        "period_days": result.period_days, "composite": composite_view(result.composite),
        "composite_tiers": _tiers(result.composite_tiers),
        "observed_tiers": None if result.observed is None else _observed(
            result.observed, str(journey["entry_service_id"])),
        "steps": [{"service_id": s.service_id,
                   "unavailability": round(s.unavailability_ratio * 100, 4),
                   "budget_share": round(s.budget_share * 100, 2)} for s in result.steps],
        "notes": result.notes, "method": TIERS_METHOD,
        "stale": result.stale, "stale_reason": result.stale_reason,
    }


def _tiers(tiers: dict[str, JourneyTier]) -> dict[str, Any]:
    return {name: {"target": percent(t.target_ratio),
                   "error_budget_minutes": round(t.error_budget_minutes, 1),
                   "breach_probability": None if t.breach_probability is None
                   else round(t.breach_probability, 4)} for name, t in tiers.items()}


def _observed(observed: ObservedTiers, entry: str) -> dict[str, Any]:
    interval = observed.observed_interval
    return {"entry_service_id": entry,
            "observed_availability": percent(observed.observed_ratio),
            "observed_interval": None if interval is None else [percent(x) for x in interval],
            "tiers": _tiers(observed.tiers),
            "capped_by_composite": observed.capped_by_composite,
            "composite_contradicted": observed.composite_contradicted}
