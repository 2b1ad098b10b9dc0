"""What is stored of a recommendation: a versioned record of the use case's result, in
ratios, seconds and epoch times, with its provenance. The API renders it (percent,
milliseconds, ISO times, sentences) on every read, so a change of the document never
needs the stored records rewritten, and records outlive the document's shape.

Schema versions: 1 was the rendered HTTP document itself (stored until December 2026;
still served, as it was, by the API); 2 is `RecommendationRecord`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from slo_engine import __version__
from slo_engine.application.availability_forecasts import ServiceForecast
from slo_engine.application.dependency_bound import DependencyBound, budget_share_flags
from slo_engine.application.feature_attribution import Attribution
from slo_engine.application.recommend_slos import SloRecommendation
from slo_engine.domain.recommendation import AvailabilityRecommendation, LatencyRecommendation
from slo_engine.domain.sli_definition import CONFIGURED_DEFAULT

RECORD_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Provenance:
    """Which inputs made the record: a reader can tell two records' differences apart
    from a change of history."""

    lookback_days: int
    period_days: int
    graph_version: int
    policy_version: int
    policy_digest: str
    forecast_method: str  # "monte_carlo" (availability); "block_bootstrap" (latency)
    forecast_simulations: int
    engine_version: str = __version__
    # Which SLI the history was read with (records before SLI approval: the default).
    sli_source: dict[str, str] = field(default_factory=lambda: dict(CONFIGURED_DEFAULT))


@dataclass(frozen=True)
class QualityRecord:
    completeness_ratio: float
    days_of_data: float
    gaps: list[tuple[int, int]]  # (start_s, end_s)


@dataclass(frozen=True)
class AvailabilityTierRecord:
    target_ratio: float
    error_budget_minutes: float
    breach_probability: float | None
    historical_window_breach_share: float | None
    confidence_interval: tuple[float, float] | None


@dataclass(frozen=True)
class ForecastRecord:
    simulations: int
    period_days: int
    history_start_s: int
    history_end_s: int
    steady_error_ratio: float
    incidents_seen: int
    incident_minutes_lost: list[float]
    incident_median_minutes: float | None
    incident_worst_peak_ratio: float | None
    expected_incidents_per_period: float
    prior_source: str  # "fleet", "criticality:<c>" or "default"
    rate_prior_share: float
    size_prior_share: float


@dataclass(frozen=True)
class DependencyRecord:
    service_id: str
    own_ratio: float
    observed_ratio: float | None
    source: Literal["observed", "published_sla", "unknown"]
    budget_share: float


@dataclass(frozen=True)
class ExclusionRecord:
    source: str
    target: str
    reason: str


@dataclass(frozen=True)
class CounterfactualRecord:
    """The bound re-run with the bottleneck one nine better (TRD FR-2 step 7)."""

    service_id: str
    improved_ratio: float
    bound_ratio: float
    balanced_ratio: float


@dataclass(frozen=True)
class BoundRecord:
    availability_ratio: float
    method: Literal["exact", "monte_carlo"]
    error_bound_ratio: float
    counted_services: int
    supernodes: list[list[str]]
    excluded: list[ExclusionRecord]
    missing_availability: list[str]
    high_risk: list[DependencyRecord]
    bottleneck: DependencyRecord | None
    counterfactual: CounterfactualRecord | None


@dataclass(frozen=True)
class AttributionRecord:
    feature: str
    contribution: float
    effect: float  # a ratio (availability) or seconds (latency)


@dataclass(frozen=True)
class AvailabilityRecord:
    observed_ratio: float | None  # None: no history (an archetype baseline)
    window_days: float
    windows: int
    tiers: dict[str, AvailabilityTierRecord]
    capped_by_bound: bool
    uncapped_balanced_ratio: float | None
    warnings: list[str]
    forecast: ForecastRecord | None
    bound: BoundRecord | None
    attribution: list[AttributionRecord]


@dataclass(frozen=True)
class LatencyTierRecord:
    percentile: float
    target_seconds: float | None
    breach_probability: float | None
    historical_window_breach_share: float | None
    judged_at_seconds: float | None
    lower_bound_seconds: float | None


@dataclass(frozen=True)
class LatencyRecord:
    observed_seconds: dict[str, float]  # by percentile, as text ("0.99")
    noise_margin_ratio: float
    windows: int
    period_days: int | None
    tiers: dict[str, LatencyTierRecord]
    notes: list[str]
    attribution: list[AttributionRecord]


@dataclass(frozen=True)
class AutoApprovalRecord:
    slo_id: str
    version: int
    by: str


@dataclass(frozen=True)
class RecommendationRecord:
    recommendation_id: str
    service_id: str
    generated_at_ms: int
    lookback_start_s: int
    lookback_end_s: int
    quality: QualityRecord
    confidence: Literal["high", "low"]
    archetype: str | None
    notes: list[str]
    availability: AvailabilityRecord | None
    latency: LatencyRecord | None
    provenance: Provenance
    auto_approved: AutoApprovalRecord | None = None
    schema_version: int = RECORD_SCHEMA_VERSION

    def to_record(self) -> dict[str, Any]:
        """Plain JSON values (tuples become lists)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> RecommendationRecord:
        built: RecommendationRecord = _build(cls, record)
        return built


def is_record(stored: Mapping[str, Any]) -> bool:
    """A stored body of this schema (else one the API stored as a rendered document)."""
    return stored.get("schema_version") == RECORD_SCHEMA_VERSION


def recommendation_record(result: SloRecommendation, recommendation_id: str,
                          provenance: Provenance) -> RecommendationRecord:
    quality = result.quality
    return RecommendationRecord(
        recommendation_id=recommendation_id, service_id=result.service_id,
        generated_at_ms=result.generated_at_ms, lookback_start_s=result.lookback_start_s,
        lookback_end_s=result.lookback_end_s,
        quality=QualityRecord(quality.completeness_ratio, quality.days_of_data,
                              [(start, end) for start, end in quality.gaps]),
        confidence=result.confidence, archetype=result.archetype, notes=list(result.notes),
        availability=(None if result.availability is None
                      else _availability(result, result.availability)),
        latency=None if result.latency is None else _latency(result, result.latency),
        provenance=provenance)


def _availability(result: SloRecommendation, rec: AvailabilityRecommendation
                  ) -> AvailabilityRecord:
    tiers = {name: AvailabilityTierRecord(tier.target_ratio, tier.error_budget_minutes,
                                          tier.breach_probability,
                                          tier.historical_window_breach_share,
                                          tier.confidence_interval)
             for name, tier in rec.tiers.items()}
    forecast = (_forecast(result.forecast) if result.forecast is not None
                and rec.forecast is not None else None)
    return AvailabilityRecord(
        observed_ratio=None if math.isnan(rec.observed_ratio) else rec.observed_ratio,
        window_days=rec.window_days, windows=rec.windows, tiers=tiers,
        capped_by_bound=rec.capped_by_bound, uncapped_balanced_ratio=rec.uncapped_balanced_ratio,
        warnings=list(rec.warnings), forecast=forecast,
        bound=None if result.bound is None else _bound(result.bound, rec),
        attribution=_attributions(result.availability_attribution))


def _forecast(forecast: ServiceForecast) -> ForecastRecord:
    model, fit = forecast.forecast, forecast.fit
    return ForecastRecord(
        simulations=model.simulations, period_days=int(model.period_days),
        history_start_s=forecast.history_start_s, history_end_s=forecast.history_end_s,
        steady_error_ratio=fit.steady_error_ratio, incidents_seen=fit.episodes,
        incident_minutes_lost=[float(x) for x in fit.episode_loss_minutes],
        incident_median_minutes=(float(np.median(fit.episode_duration_s)) / 60
                                 if fit.episodes else None),
        incident_worst_peak_ratio=(float(fit.episode_peak_ratio.max()) if fit.episodes
                                   else None),
        expected_incidents_per_period=model.episodes_per_period,
        prior_source=forecast.prior_source, rate_prior_share=model.rate_prior_share,
        size_prior_share=model.loss_prior_share)


def _bound(bound: DependencyBound, rec: AvailabilityRecommendation) -> BoundRecord:
    composite = bound.composite

    def dependency(risk: Any) -> DependencyRecord:
        return DependencyRecord(risk.service_id, risk.availability_ratio, risk.observed_ratio,
                                risk.source, risk.budget_share)

    bottleneck = bound.bottleneck
    counterfactual = None
    if bottleneck is not None and rec.uncapped_balanced_ratio is not None:
        improved = 1 - (1 - bottleneck.availability_ratio) / 10
        new_bound = bound.if_improved(bottleneck.service_id, improved)
        counterfactual = CounterfactualRecord(bottleneck.service_id, improved, new_bound,
                                              min(rec.uncapped_balanced_ratio, new_bound))
    return BoundRecord(
        availability_ratio=composite.availability_ratio, method=composite.method,
        error_bound_ratio=composite.error_bound_ratio,
        counted_services=len(composite.counted_services),
        supernodes=[list(members) for members in composite.supernodes],
        excluded=[ExclusionRecord(e.source, e.target, e.reason) for e in composite.excluded],
        missing_availability=list(composite.missing_availability),
        high_risk=[dependency(d) for d in budget_share_flags(bound)],
        bottleneck=None if bottleneck is None else dependency(bottleneck),
        counterfactual=counterfactual)


def _latency(result: SloRecommendation, rec: LatencyRecommendation) -> LatencyRecord:
    tiers = {name: LatencyTierRecord(tier.percentile, tier.target_seconds,
                                     tier.breach_probability,
                                     tier.historical_window_breach_share,
                                     tier.judged_at_seconds, tier.lower_bound_seconds)
             for name, tier in rec.tiers.items()}
    return LatencyRecord(
        observed_seconds={repr(p): v for p, v in sorted(rec.observed_seconds.items())},
        noise_margin_ratio=rec.noise_margin_ratio, windows=rec.windows,
        period_days=rec.period_days, tiers=tiers, notes=list(rec.notes),
        attribution=_attributions(result.latency_attribution))


def _attributions(attributions: list[Attribution]) -> list[AttributionRecord]:
    return [AttributionRecord(a.feature, float(a.contribution), float(a.effect))
            for a in attributions]


@functools.cache
def _field_hints(kind: type) -> tuple[tuple[str, Any], ...]:
    """A dataclass's fields and their resolved types (resolving costs ~0.1 ms a class:
    once per process, not per cached read)."""
    hints = typing.get_type_hints(kind)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(kind))


def _build(kind: Any, value: Any) -> Any:
    """A value of type `kind` from plain JSON values: dataclasses by field, lists, tuples,
    dicts and optionals by their arguments; anything else as it is."""
    if value is None:
        return None
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return kind(**{name: _build(hint, value[name])
                       for name, hint in _field_hints(kind) if name in value})
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _build(next(a for a in arguments if a is not type(None)), value)
    containers: dict[Any, Any] = {
        list: lambda: [_build(arguments[0], item) for item in value],
        tuple: lambda: tuple(_build(a, item)
                             for a, item in zip(arguments, value, strict=True)),
        dict: lambda: {key: _build(arguments[1], item) for key, item in value.items()},
    }
    return containers[origin]() if origin in containers else value
