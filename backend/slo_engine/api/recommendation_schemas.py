"""The recommendation document (TRD FR-2 response) as response models: percent and
milliseconds, ISO times. `recommendation_document.py` renders it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from slo_engine.api.response_model import ResponseModel, TimeWindow

Percent = Annotated[float, Field(ge=0, le=100)]
Probability = Annotated[float, Field(ge=0, le=1)]


class DataQualityView(ResponseModel):
    data_completeness: Probability
    days_of_data: float
    telemetry_gaps: list[TimeWindow]
    confidence: Literal["high", "low"]
    confidence_note: str


class AvailabilityTierView(ResponseModel):
    target: Percent
    error_budget_monthly_minutes: float
    estimated_breach_probability: Probability | None = Field(
        description="Forecast probability that the next SLO period misses the target")
    breach_probability_period_days: int | None = Field(
        description="The SLO period that probability is for (None: no forecast, a "
                    "cold-start baseline)")
    historical_window_breach_share: Probability | None = Field(
        description="In-sample share of past windows that would have missed the target "
                    "(biased low: the target came from the same history)")
    confidence_interval: list[Percent] | None = Field(
        min_length=2, max_length=2, description="90% interval of the target [low, high]")


class AvailabilityTiers(ResponseModel):
    conservative: AvailabilityTierView
    balanced: AvailabilityTierView
    aggressive: AvailabilityTierView


class ForecastView(ResponseModel):
    """Which history fed which part of the forecast, and what the model learned."""

    method: Literal["monte_carlo"]
    simulations: int
    period_days: int
    history_window: TimeWindow
    baseline_window: TimeWindow
    steady_error_ratio: Probability
    incidents_seen: int
    incident_minutes_lost: list[float]
    expected_incidents_per_period: float
    prior: str = Field(description="'fleet', 'criticality:<c>' or 'default'")
    rate_prior_share: Probability
    size_prior_share: Probability
    monte_carlo_standard_error_at_balanced: float


class ExcludedDependency(ResponseModel):
    source: str
    target: str
    reason: str


class HighRiskDependency(ResponseModel):
    service_id: str
    own_availability: Percent | None
    observed_availability: Percent | None
    source: Literal["observed", "published_sla", "unknown"]
    error_budget_share: float


class DependencyImpactView(ResponseModel):
    composite_availability_bound: Percent | None
    method: Literal["exact", "monte_carlo"]
    error_bound: float | None
    counted_services: int
    supernodes: list[list[str]]
    excluded_dependencies: list[ExcludedDependency]
    dependencies_without_data: list[str]
    high_risk_dependencies: list[HighRiskDependency]
    bottleneck_service: str | None = None
    bottleneck_contribution: str | None = None


class AvailabilityAttribution(ResponseModel):
    feature: Literal["steady_errors", "incident_forecast", "downstream_dependency_risk",
                     "external_api_reliability"]
    contribution: float
    effect_percent: float | None


class Counterfactual(ResponseModel):
    condition: str
    result: str


class AvailabilityExplanation(ResponseModel):
    summary: str
    feature_attribution: list[AvailabilityAttribution]
    counterfactuals: list[Counterfactual] | None = None


class AvailabilityRecommendationView(ResponseModel):
    sli_type: Literal["availability"]
    metric: Literal["error_rate"]
    observed: Percent | None
    window_days: float
    windows_evaluated: int
    tiers: AvailabilityTiers
    warnings: list[str]
    forecast: ForecastView | None = None
    dependency_impact: DependencyImpactView | None = None
    explanation: AvailabilityExplanation


class LatencyTierView(ResponseModel):
    target_ms: int | None
    percentile: str
    estimated_breach_probability: Probability | None = Field(
        description="Forecast probability that more than (1 - p) of the next SLO period's "
                    "requests are slower than the target as its SLI judges it: at "
                    "judged_at_bucket_ms, the bucket boundary at or above the target (with "
                    "no boundary above it: the share slower than the largest)")
    breach_probability_period_days: int | None
    historical_window_breach_share: Probability | None = Field(
        description="In-sample share of past hourly windows slower than the target")
    judged_at_bucket_ms: int | None = Field(
        description="The histogram bucket boundary the target is judged at")
    beyond_histogram_range: bool
    at_least_ms: int | None


class LatencyTiers(ResponseModel):
    conservative: LatencyTierView
    balanced: LatencyTierView
    aggressive: LatencyTierView


class LatencyAttribution(ResponseModel):
    feature: Literal["p99_latency_historical", "noisy_neighbor_margin"]
    contribution: float
    effect_ms: float


class LatencyExplanation(ResponseModel):
    summary: str
    note: str
    feature_attribution: list[LatencyAttribution]


class LatencyRecommendationView(ResponseModel):
    sli_type: Literal["latency"]
    metric: Literal["p99_response_time_ms"]
    observed_ms: dict[str, int]
    noise_margin_percent: Percent | None
    windows_evaluated: int
    tiers: LatencyTiers
    explanation: LatencyExplanation
    notes: list[str]


class AutoApproved(ResponseModel):
    slo_id: str
    version: int
    by: str


class Provenance(ResponseModel):
    """Which inputs made the recommendation (absent from ones stored before December
    2026)."""

    schema_version: int = Field(description="Of the stored record the document renders")
    lookback_days: int
    period_days: int
    graph_version: int
    policy_version: int
    policy_digest: str = Field(description="SHA-256 of the recommendation policy file")
    forecast_method: str
    forecast_simulations: int
    engine_version: str


class SliSource(ResponseModel):
    source: Literal["configured_default", "approved_sli"] = Field(description=(
        "configured_default: the settings and the service's own `sli` metadata; "
        "approved_sli: the SLI a person approved (GET /api/v1/sli)"))
    sli_id: str | None = None
    convention: str | None = Field(default=None, description=(
        "The naming convention it follows, or `override` for a modified query"))


class RecommendationDocument(ResponseModel):
    service_id: str
    recommendation_id: str
    generated_at: str
    stale: bool
    stale_reason: str | None = Field(
        default=None, description="Why a stored recommendation is shown (stale only)")
    cached: bool
    lookback_window: TimeWindow
    data_quality: DataQualityView
    archetype: str | None
    recommendations: list[Annotated[
        AvailabilityRecommendationView | LatencyRecommendationView,
        Field(discriminator="sli_type")]]
    notes: list[str]
    provenance: Provenance | None = None
    sli_source: SliSource = Field(
        default_factory=lambda: SliSource(source="configured_default"),
        description="Which SLI the history was read with")
    auto_approved: AutoApproved | None = Field(
        default=None, description="The SLO an auto-approval rule activated from it")
