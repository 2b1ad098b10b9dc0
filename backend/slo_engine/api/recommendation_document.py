"""The recommendation document (TRD FR-2 response), rendered from the stored record on
every read: percent and milliseconds, ISO times, sentences. The record keeps ratios and
seconds (application/recommendation_record.py)."""

from __future__ import annotations

import math
from typing import Any

from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import milliseconds_up, percent
from slo_engine.application.recommendation_record import (
    AttributionRecord,
    AvailabilityRecord,
    BoundRecord,
    ForecastRecord,
    LatencyRecord,
    RecommendationRecord,
)
from slo_engine.domain.sli_statistics import MONTH_MINUTES
from slo_engine.domain.time_units import DAY_SECONDS

LATENCY_NOTE = ("Latency SLO derived from the service's own end-to-end histogram, not from "
                "its dependencies: percentiles do not add up along a call chain.")


def recommendation_document(record: RecommendationRecord) -> dict[str, Any]:
    """Everything but what depends on how it was served (`cached`, `stale`)."""
    quality = record.quality
    recommendations = []
    if record.availability is not None:
        recommendations.append(_availability_view(record, record.availability))
    if record.latency is not None:
        recommendations.append(_latency_view(record.latency))
    document: dict[str, Any] = {
        "service_id": record.service_id,
        "recommendation_id": record.recommendation_id,
        "generated_at": iso_from_ms(record.generated_at_ms),
        "lookback_window": _window(record.lookback_start_s, record.lookback_end_s),
        "data_quality": {
            "data_completeness": round(quality.completeness_ratio, 4),
            "days_of_data": round(quality.days_of_data, 2),
            "telemetry_gaps": [_window(a, b) for a, b in quality.gaps],
            "confidence": record.confidence,
            "confidence_note": _confidence_note(record),
        },
        "archetype": record.archetype,
        "recommendations": recommendations,
        "notes": record.notes,
        "provenance": _provenance(record),
        "sli_source": dict(record.provenance.sli_source),
    }
    if record.auto_approved is not None:
        approved = record.auto_approved
        document["auto_approved"] = {"slo_id": approved.slo_id, "version": approved.version,
                                     "by": approved.by}
    return document


def _window(start_s: int, end_s: int) -> dict[str, str | None]:
    return {"start": iso_from_ms(start_s * 1000), "end": iso_from_ms(end_s * 1000)}


def _provenance(record: RecommendationRecord) -> dict[str, Any]:
    made = record.provenance
    return {"schema_version": record.schema_version, "lookback_days": made.lookback_days,
            "period_days": made.period_days, "graph_version": made.graph_version,
            "policy_version": made.policy_version, "policy_digest": made.policy_digest,
            "forecast_method": made.forecast_method,
            "forecast_simulations": made.forecast_simulations,
            "engine_version": made.engine_version}


def _confidence_note(record: RecommendationRecord) -> str:
    quality = record.quality
    text = (f"Based on {quality.days_of_data:.0f} days of data with "
            f"{quality.completeness_ratio:.0%} completeness")
    if record.confidence == "low":
        return text + f"; less than needed, so confidence is low ({record.archetype} archetype)"
    return text


def _availability_view(record: RecommendationRecord, rec: AvailabilityRecord
                       ) -> dict[str, Any]:
    period = None if rec.forecast is None else rec.forecast.period_days
    tiers = {
        name: {
            "target": percent(tier.target_ratio, 2),
            "error_budget_monthly_minutes": round(tier.error_budget_minutes, 1),
            "estimated_breach_probability": _rounded(tier.breach_probability),
            "breach_probability_period_days": period,
            "historical_window_breach_share": _rounded(tier.historical_window_breach_share),
            "confidence_interval": (None if tier.confidence_interval is None else
                                    [percent(tier.confidence_interval[0]),
                                     percent(tier.confidence_interval[1])]),
        }
        for name, tier in rec.tiers.items()
    }
    view: dict[str, Any] = {
        "sli_type": "availability", "metric": "error_rate",
        "observed": percent(rec.observed_ratio), "window_days": rec.window_days,
        "windows_evaluated": rec.windows, "tiers": tiers, "warnings": list(rec.warnings),
    }
    if rec.forecast is not None:
        view["forecast"] = _forecast_view(rec.forecast, record,
                                          rec.tiers["balanced"].breach_probability)
    explanation: dict[str, Any] = {
        "summary": _availability_summary(record.service_id, rec),
        "feature_attribution": [
            {"feature": a.feature, "contribution": round(a.contribution, 3),
             "effect_percent": percent(a.effect, 4)} for a in rec.attribution],
    }
    if rec.bound is not None:
        view["dependency_impact"] = _dependency_impact(rec.bound, rec)
        explanation["counterfactuals"] = _counterfactuals(rec.bound)
    view["explanation"] = explanation
    return view


def _rounded(probability: float | None) -> float | None:
    return None if probability is None else round(probability, 4)


def _availability_summary(service_id: str, rec: AvailabilityRecord) -> str:
    balanced = rec.tiers["balanced"]
    if rec.observed_ratio is None or math.isnan(rec.observed_ratio):
        return f"{service_id} has too little history; the balanced target " \
               f"{balanced.target_ratio:.2%} is an archetype baseline."
    error_minutes = (1 - rec.observed_ratio) * MONTH_MINUTES
    text = (f"{service_id} achieved {rec.observed_ratio:.3%} availability over the lookback: "
            f"its errors cost the equivalent of {error_minutes:.1f} minutes of full outage a "
            "month. ")
    forecast = rec.forecast
    if forecast is None or rec.uncapped_balanced_ratio is None:
        return text + f"The balanced target is {balanced.target_ratio:.2%}."
    period = forecast.period_days
    days = (forecast.history_end_s - forecast.history_start_s) / DAY_SECONDS
    text += (f"Over the last {days:.0f} days its steady error ratio was "
             f"{forecast.steady_error_ratio:.4%} and it had {_incidents(forecast)}; the "
             f"forecast of its next {period:g} days leaned {forecast.rate_prior_share:.0%} on "
             f"the {_prior_name(forecast.prior_source)} incident rate. ")
    if rec.capped_by_bound:
        return text + (f"The balanced target of {balanced.target_ratio:.2%} is capped by what "
                       "its hard dependencies allow; its own forecast gives "
                       f"{rec.uncapped_balanced_ratio:.2%}.")
    budget = (1 - balanced.target_ratio) * MONTH_MINUTES
    missed = balanced.breach_probability or 0.0
    return text + (f"The balanced target of {balanced.target_ratio:.2%} budgets "
                   f"{budget:.1f} minutes a month and is missed in an estimated {missed:.1%} "
                   f"of {period:g}-day periods.")


def _incidents(forecast: ForecastRecord) -> str:
    if forecast.incidents_seen == 0:
        return "no incident"
    noun = "incident" if forecast.incidents_seen == 1 else "incidents"
    return (f"{forecast.incidents_seen} {noun} (median "
            f"{forecast.incident_median_minutes or 0:.0f} minutes long, at worst "
            f"{forecast.incident_worst_peak_ratio or 0:.0%} of requests failing)")


def _prior_name(source: str) -> str:
    if source == "default":
        return "default (the fleet's priors are not fitted yet)"
    return "fleet's" if source == "fleet" else f"{source.split(':', 1)[1]}-criticality services'"


def _forecast_view(forecast: ForecastRecord, record: RecommendationRecord,
                   balanced_probability: float | None) -> dict[str, Any]:
    """Which history fed which part, and what the model learned from it."""
    p = 0.05 if balanced_probability is None else balanced_probability
    return {
        "method": "monte_carlo",
        "simulations": forecast.simulations,
        "period_days": forecast.period_days,
        "history_window": _window(forecast.history_start_s, forecast.history_end_s),
        "baseline_window": _window(record.lookback_start_s, record.lookback_end_s),
        "steady_error_ratio": round(forecast.steady_error_ratio, 8),
        "incidents_seen": forecast.incidents_seen,
        "incident_minutes_lost": [round(x, 1) for x in forecast.incident_minutes_lost],
        "expected_incidents_per_period": round(forecast.expected_incidents_per_period, 3),
        "prior": forecast.prior_source,
        "rate_prior_share": round(forecast.rate_prior_share, 3),
        "size_prior_share": round(forecast.size_prior_share, 3),
        "monte_carlo_standard_error_at_balanced": round(math.sqrt(
            p * (1 - p) / max(forecast.simulations, 1)), 4),
    }


def _dependency_impact(bound: BoundRecord, rec: AvailabilityRecord) -> dict[str, Any]:
    impact: dict[str, Any] = {
        "composite_availability_bound": percent(bound.availability_ratio),
        "method": bound.method,
        "error_bound": percent(bound.error_bound_ratio, 6),
        "counted_services": bound.counted_services,
        "supernodes": bound.supernodes,
        "excluded_dependencies": [{"source": e.source, "target": e.target, "reason": e.reason}
                                  for e in bound.excluded],
        "dependencies_without_data": bound.missing_availability,
        "high_risk_dependencies": [
            {"service_id": d.service_id, "own_availability": percent(d.own_ratio),
             "observed_availability": percent(d.observed_ratio),
             "source": d.source, "error_budget_share": round(d.budget_share, 3)}
            for d in bound.high_risk],
    }
    if bound.bottleneck is not None:
        impact["bottleneck_service"] = bound.bottleneck.service_id
        impact["bottleneck_contribution"] = (
            f"Consumes {bound.bottleneck.budget_share:.0%} of the error budget at the "
            f"{rec.tiers['balanced'].target_ratio:.2%} balanced target")
    return impact


def _counterfactuals(bound: BoundRecord) -> list[dict[str, str]]:
    what_if = bound.counterfactual
    if what_if is None:
        return []
    return [{
        "condition": f"If {what_if.service_id} improved to {what_if.improved_ratio:.3%}",
        "result": f"The dependency bound would be {what_if.bound_ratio:.3%} and the "
                  f"balanced target {what_if.balanced_ratio:.2%}",
    }]


def percent_text(ratio: float) -> str:
    """As many digits as the number has (99.999%, not a rounded 100.00%)."""
    return f"{round(ratio * 100, 6):g}%"


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else milliseconds_up(seconds)


def _percentile_label(percentile: float) -> str:
    return f"p{percentile * 100:g}"


def _latency_view(rec: LatencyRecord) -> dict[str, Any]:
    tiers = {
        name: {"target_ms": _ms(tier.target_seconds),
               "percentile": _percentile_label(tier.percentile),
               "estimated_breach_probability": _rounded(tier.breach_probability),
               "breach_probability_period_days": rec.period_days,
               "historical_window_breach_share": _rounded(tier.historical_window_breach_share),
               "judged_at_bucket_ms": _ms(tier.judged_at_seconds),
               "beyond_histogram_range": tier.target_seconds is None,
               "at_least_ms": _ms(tier.lower_bound_seconds)}
        for name, tier in rec.tiers.items()
    }
    observed = {_percentile_label(float(p)): milliseconds_up(v)
                for p, v in sorted(rec.observed_seconds.items(), key=lambda kv: float(kv[0]))}
    balanced = rec.tiers["balanced"]
    label = _percentile_label(balanced.percentile)
    measured = rec.observed_seconds.get(repr(balanced.percentile))
    if balanced.target_seconds is None:
        summary = (f"End-to-end {label} latency is beyond the histogram's range (at least "
                   f"{_ms(balanced.lower_bound_seconds)} ms): no balanced target can be "
                   "measured with these buckets.")
    else:
        summary = (f"End-to-end {label} latency measured at {milliseconds_up(measured or 0)} "
                   f"ms; the balanced target of {milliseconds_up(balanced.target_seconds)} ms "
                   f"adds a {rec.noise_margin_ratio:.1%} noise margin.")
    return {
        "sli_type": "latency", "metric": "p99_response_time_ms", "observed_ms": observed,
        "noise_margin_percent": percent(rec.noise_margin_ratio, 2),
        "windows_evaluated": rec.windows, "tiers": tiers,
        "explanation": {
            "summary": summary, "note": LATENCY_NOTE,
            "feature_attribution": [_latency_attribution(a) for a in rec.attribution],
        },
        "notes": rec.notes,
    }


def _latency_attribution(attribution: AttributionRecord) -> dict[str, Any]:
    return {"feature": attribution.feature, "contribution": round(attribution.contribution, 3),
            "effect_ms": round(attribution.effect * 1000, 1)}
