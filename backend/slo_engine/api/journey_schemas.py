"""Journey requests and documents (issue 19 item 3): percent at this edge, ISO times.
`journeys.py` renders the documents."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.response_model import ResponseModel

ServiceIdItem = Annotated[str, Field(min_length=1, max_length=253)]


class JourneyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    steps: Annotated[list[ServiceIdItem], Field(min_length=1, description=(
        "Service ids: the entry service first, then the services the journey passes; each "
        "must be reached from the entry over the dependency graph"))]
    availability_target: Annotated[float, Field(gt=0, lt=100, description=(
        "percent: what impact analysis checks the journey's composite against"))] | None = None


class JourneyRevision(JourneyBody):
    expected_version: Annotated[int, Field(ge=1, description=(
        "The version you revised (a later one answers 409); default: the latest"))] | None = None


class JourneyView(ResponseModel):
    journey_id: str
    version: int
    version_id: str
    name: str
    steps: list[str]
    entry_service_id: str
    availability_target: float | None = Field(description="percent")
    created_at: str
    created_by: str


class JourneyList(ResponseModel):
    journeys: list[JourneyView]


class JourneyVersions(ResponseModel):
    journey_id: str
    versions: list[JourneyView] = Field(description="Newest first")


class IndependentCompositeView(ResponseModel):
    availability: float = Field(description="percent")
    method: Literal["exact", "monte_carlo"]
    error_bound: float = Field(description="percentage points (95%); 0 when exact")
    counted_services: int
    excluded_dependencies: list[dict[str, str]] = Field(
        description="Soft, degraded or asynchronous edges met: not counted, risks")


class FailureDomainView(ResponseModel):
    domain: str = Field(description="metadata key=value")
    services: list[str]


class CorrelatedCompositeView(ResponseModel):
    availability: float = Field(description="percent")
    standard_error: float = Field(description="percentage points (Monte Carlo)")
    correlation: float = Field(description="0: independent, 1: a domain fails together")
    draws: int
    seed: int
    failure_domains: list[FailureDomainView] = Field(
        description="Domains two or more counted services share")


class JourneyCompositeView(ResponseModel):
    independent: IndependentCompositeView
    correlated: CorrelatedCompositeView
    availability_sources: dict[str, int]
    method: str


class JourneyDocument(JourneyView):
    composite: JourneyCompositeView
    stale: bool
    stale_reason: str | None


class JourneyTierView(ResponseModel):
    target: float = Field(description="percent")
    error_budget_minutes: float
    breach_probability: float | None = Field(
        description="Forecast for the next period; null for tiers from the composite")


class ObservedTiersView(ResponseModel):
    entry_service_id: str
    observed_availability: float | None = Field(description="percent")
    observed_interval: list[float] | None = Field(description="percent, low and high")
    tiers: dict[str, JourneyTierView]
    capped_by_composite: bool
    composite_contradicted: bool = Field(description=(
        "The entry achieved more than the composite allows: the composite caps nothing"))


class StepShareView(ResponseModel):
    service_id: str
    unavailability: float = Field(description="percentage points of 1 - composite")
    budget_share: float = Field(description="percent of the balanced tier's error budget")


class JourneyRecommendationDocument(ResponseModel):
    journey_id: str
    version: int
    period_days: int
    composite: JourneyCompositeView
    composite_tiers: dict[str, JourneyTierView]
    observed_tiers: ObservedTiersView | None
    steps: list[StepShareView]
    notes: list[str]
    method: str
    stale: bool
    stale_reason: str | None
