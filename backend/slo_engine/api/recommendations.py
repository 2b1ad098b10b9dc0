"""SLO recommendations (TRD FR-2, FR-3, FR-7): percent and milliseconds at this edge only."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import ValidationError

from slo_engine.api.ingestion_schemas import SERVICE_ID_PATTERN
from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.recommendation_document import percent_text, recommendation_document
from slo_engine.api.recommendation_schemas import RecommendationDocument
from slo_engine.api.security import access
from slo_engine.api.wiring import Metrics, Recommendations
from slo_engine.application.recommendation_record import RecommendationRecord
from slo_engine.application.serve_recommendation import ServedRecommendation
from slo_engine.domain.access import Action
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.slo import SloPeriodDays

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/services", tags=["recommendations"])

@router.get("/{service_id}/slo-recommendations",
            dependencies=[access(Action.READ, "recommendations")],
            summary="Tiered availability and latency SLO recommendations",
            response_model=RecommendationDocument, response_model_exclude_unset=True,
            responses=problem_responses(404, 502))
async def get_slo_recommendations(
    service_id: Annotated[str, Path(pattern=SERVICE_ID_PATTERN)],
    recommendations: Recommendations,
    metrics: Metrics,
    sli_type: Literal["availability", "latency", "all"] = "all",
    lookback_days: Annotated[int, Query(ge=7, le=365)] = 30,
    period_days: Annotated[SloPeriodDays | None, Query(
        description="The SLO period the tiers' breach probabilities forecast, in days "
                    "(the policy's, 30, when absent)")] = None,
    force_regenerate: Annotated[bool, Query(
        description="Bypass the cache: compute afresh and store the result")] = False,
    desired_target: Annotated[float | None, Query(
        gt=0, lt=100, description="A target you want, in percent: checked against the "
                                  "dependency bound")] = None,
) -> dict[str, Any]:
    """Served from the cache, computed afresh, or (the metrics store down) the last stored
    one marked `stale`."""
    if recommendations is None:
        raise DependencyUnavailable("metrics store", "no Prometheus is configured")
    serve = recommendations
    request = serve.request(service_id, sli_type, lookback_days,
                            None if period_days is None else int(period_days),
                            force_regenerate)
    served = await serve.get(request)
    if served.source == "computed" and isinstance(served.content, RecommendationRecord):
        if served.content.availability is not None:
            metrics.recommendation_generated(service_id, "availability")
        if served.content.latency is not None:
            metrics.recommendation_generated(service_id, "latency")
    body = {**_document(served), "cached": served.source == "cache", "stale": served.stale}
    if served.stale_reason is not None:
        body["stale_reason"] = served.stale_reason
    if desired_target is not None:
        _add_achievability(body, desired_target)
    return body


def _document(served: ServedRecommendation) -> dict[str, Any]:
    """The record rendered; a document an earlier release stored, as it was, when it still
    fits this release's model (else, the metrics store being down, there is nothing to
    show)."""
    if isinstance(served.content, RecommendationRecord):
        return recommendation_document(served.content)
    legacy = {key: value for key, value in served.content.items()
              if key not in ("stale", "stale_reason", "cached")}
    try:
        RecommendationDocument.model_validate({**legacy, "cached": False, "stale": True})
    except ValidationError as error:
        log.warning("the stored recommendation of %s does not fit the document: %s",
                    legacy.get("service_id"), error)
        raise DependencyUnavailable(
            "metrics store", "it is not answering, and the recommendation stored earlier "
            "predates this release's document") from error
    return legacy


def _add_achievability(body: dict[str, Any], desired_percent: float) -> None:
    """Depends on the request, so it is added to the stored or cached document here."""
    for recommendation in body["recommendations"]:
        impact = recommendation.get("dependency_impact")
        if recommendation["sli_type"] == "availability" and impact:
            recommendation["warnings"] = [*recommendation.get("warnings", []),
                                          *achievability_warnings(
                desired_percent / 100, impact["composite_availability_bound"] / 100)]


def achievability_warnings(desired: float, limit: float) -> list[str]:
    if desired <= limit:
        return []
    each = 1 - (1 - desired) / 10
    return [f"The desired target of {percent_text(desired)} is unachievable. Composite "
            f"availability bound is {limit:.2%} given current dependency chain. To achieve "
            f"{percent_text(desired)}, each critical dependency must be at least "
            f"{percent_text(each)} (Google's 10x rule)."]
