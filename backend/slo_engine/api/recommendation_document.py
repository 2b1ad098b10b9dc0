"""The recommendation document (TRD FR-2 response): percent and milliseconds, ISO times.

Rendered once when a recommendation is computed, by the API or by a worker regenerating
it, and then stored and cached as is.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import milliseconds_up, percent
from slo_engine.application.availability_forecasts import ServiceForecast
from slo_engine.application.dependency_bound import DependencyBound, budget_share_flags
from slo_engine.application.recommend_slos import SloRecommendation
from slo_engine.domain.incident_history import ServiceFit
from slo_engine.domain.recommendation import AvailabilityRecommendation, LatencyRecommendation
from slo_engine.domain.sli_statistics import MONTH_MINUTES

LATENCY_NOTE = ("Latency SLO derived from the service's own end-to-end histogram, not from "
                "its dependencies: percentiles do not add up along a call chain.")


def recommendation_view(result: SloRecommendation) -> dict[str, Any]:
    quality = result.quality
    recommendations = []
    if result.availability is not None:
        recommendations.append(_availability_view(result, result.availability))
    if result.latency is not None:
        recommendations.append(_latency_view(result.latency, result))
    return {
        "service_id": result.service_id,
        "generated_at": iso_from_ms(result.generated_at_ms),
        "stale": False,
        "lookback_window": {"start": iso_from_ms(result.lookback_start_s * 1000),
                            "end": iso_from_ms(result.lookback_end_s * 1000)},
        "data_quality": {
            "data_completeness": round(quality.completeness_ratio, 4),
            "days_of_data": round(quality.days_of_data, 2),
            "telemetry_gaps": [{"start": iso_from_ms(a * 1000), "end": iso_from_ms(b * 1000)}
                               for a, b in quality.gaps],
            "confidence": result.confidence,
            "confidence_note": _confidence_note(result),
        },
        "archetype": result.archetype,
        "recommendations": recommendations,
        "notes": result.notes,
    }


def _confidence_note(result: SloRecommendation) -> str:
    quality = result.quality
    text = (f"Based on {quality.days_of_data:.0f} days of data with "
            f"{quality.completeness_ratio:.0%} completeness")
    if result.confidence == "low":
        return text + f"; less than needed, so confidence is low ({result.archetype} archetype)"
    return text


def _availability_view(result: SloRecommendation, rec: AvailabilityRecommendation
                       ) -> dict[str, Any]:
    tiers = {
        name: {
            "target": percent(tier.target_ratio, 2),
            "error_budget_monthly_minutes": round(tier.error_budget_minutes, 1),
            "estimated_breach_probability": (None if tier.breach_probability is None
                                             else round(tier.breach_probability, 4)),
            "breach_probability_period_days": (None if rec.forecast is None
                                               else rec.forecast.period_days),
            "historical_window_breach_share": (
                None if tier.historical_window_breach_share is None
                else round(tier.historical_window_breach_share, 4)),
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
    if result.forecast is not None and rec.forecast is not None:
        view["forecast"] = _forecast_view(result.forecast, result)
    explanation: dict[str, Any] = {
        "summary": _availability_summary(result.service_id, rec, result.forecast),
        "feature_attribution": [
            {"feature": a.feature, "contribution": round(a.contribution, 3),
             "effect_percent": percent(a.effect, 4)}
            for a in result.availability_attribution],
    }
    if result.bound is not None:
        view["dependency_impact"] = _dependency_impact(result.bound, rec)
        explanation["counterfactuals"] = _counterfactuals(result, rec)
    view["explanation"] = explanation
    return view


def _availability_summary(service_id: str, rec: AvailabilityRecommendation,
                          forecast: ServiceForecast | None) -> str:
    balanced = rec.tiers["balanced"]
    if math.isnan(rec.observed_ratio):
        return f"{service_id} has too little history; the balanced target " \
               f"{balanced.target_ratio:.2%} is an archetype baseline."
    error_minutes = (1 - rec.observed_ratio) * MONTH_MINUTES
    text = (f"{service_id} achieved {rec.observed_ratio:.3%} availability over the lookback: "
            f"its errors cost the equivalent of {error_minutes:.1f} minutes of full outage a "
            "month. ")
    if forecast is None or rec.forecast is None or rec.uncapped_balanced_ratio is None:
        return text + f"The balanced target is {balanced.target_ratio:.2%}."
    fit, period = forecast.fit, rec.forecast.period_days
    days = (forecast.history_end_s - forecast.history_start_s) / 86_400
    text += (f"Over the last {days:.0f} days its steady error ratio was "
             f"{fit.steady_error_ratio:.4%} and it had {_incidents(fit)}; the forecast of its "
             f"next {period:g} days leaned {rec.forecast.rate_prior_share:.0%} on the "
             f"{_prior_name(forecast.prior_source)} incident rate. ")
    if rec.capped_by_bound:
        return text + (f"The balanced target of {balanced.target_ratio:.2%} is capped by what "
                       "its hard dependencies allow; its own forecast gives "
                       f"{rec.uncapped_balanced_ratio:.2%}.")
    budget = (1 - balanced.target_ratio) * MONTH_MINUTES
    missed = balanced.breach_probability or 0.0
    return text + (f"The balanced target of {balanced.target_ratio:.2%} budgets "
                   f"{budget:.1f} minutes a month and is missed in an estimated {missed:.1%} "
                   f"of {period:g}-day periods.")


def _incidents(fit: ServiceFit) -> str:
    if fit.episodes == 0:
        return "no incident"
    minutes = float(np.median(fit.episode_duration_s)) / 60
    noun = "incident" if fit.episodes == 1 else "incidents"
    return (f"{fit.episodes} {noun} (median {minutes:.0f} minutes long, at worst "
            f"{float(fit.episode_peak_ratio.max()):.0%} of requests failing)")


def _prior_name(source: str) -> str:
    if source == "default":
        return "default (the fleet's priors are not fitted yet)"
    return "fleet's" if source == "fleet" else f"{source.split(':', 1)[1]}-criticality services'"


def _forecast_view(forecast: ServiceForecast, result: SloRecommendation) -> dict[str, Any]:
    """Which history fed which part, and what the model learned from it."""
    model, fit = forecast.forecast, forecast.fit
    return {
        "method": "monte_carlo",
        "simulations": model.simulations,
        "period_days": model.period_days,
        "history_window": {"start": iso_from_ms(forecast.history_start_s * 1000),
                           "end": iso_from_ms(forecast.history_end_s * 1000)},
        "baseline_window": {"start": iso_from_ms(result.lookback_start_s * 1000),
                            "end": iso_from_ms(result.lookback_end_s * 1000)},
        "steady_error_ratio": round(fit.steady_error_ratio, 8),
        "incidents_seen": fit.episodes,
        "incident_minutes_lost": [round(float(x), 1) for x in fit.episode_loss_minutes],
        "expected_incidents_per_period": round(model.episodes_per_period, 3),
        "prior": forecast.prior_source,
        "rate_prior_share": round(model.rate_prior_share, 3),
        "size_prior_share": round(model.loss_prior_share, 3),
        "monte_carlo_standard_error_at_balanced": round(math.sqrt(
            0.05 * 0.95 / max(model.simulations, 1)), 4),
    }


def _dependency_impact(bound: DependencyBound, rec: AvailabilityRecommendation
                       ) -> dict[str, Any]:
    composite = bound.composite
    bottleneck = bound.bottleneck
    impact: dict[str, Any] = {
        "composite_availability_bound": percent(composite.availability_ratio),
        "method": composite.method,
        "error_bound": percent(composite.error_bound_ratio, 6),
        "counted_services": len(composite.counted_services),
        "supernodes": [list(members) for members in composite.supernodes],
        "excluded_dependencies": [{"source": e.source, "target": e.target, "reason": e.reason}
                                  for e in composite.excluded],
        "dependencies_without_data": list(composite.missing_availability),
        "high_risk_dependencies": [
            {"service_id": d.service_id, "own_availability": percent(d.availability_ratio),
             "observed_availability": percent(d.observed_ratio),
             "source": d.source, "error_budget_share": round(d.budget_share, 3)}
            for d in budget_share_flags(bound)],
    }
    if bottleneck is not None:
        share = bottleneck.budget_share
        impact["bottleneck_service"] = bottleneck.service_id
        impact["bottleneck_contribution"] = (
            f"Consumes {share:.0%} of the error budget at the "
            f"{rec.tiers['balanced'].target_ratio:.2%} balanced target")
    return impact


def _counterfactuals(result: SloRecommendation, rec: AvailabilityRecommendation
                     ) -> list[dict[str, str]]:
    """Re-run the bound with the bottleneck one nine better (TRD FR-2 step 7)."""
    bound = result.bound
    if bound is None or bound.bottleneck is None or rec.uncapped_balanced_ratio is None:
        return []
    bottleneck = bound.bottleneck
    improved = 1 - (1 - bottleneck.availability_ratio) / 10
    new_bound = bound.if_improved(bottleneck.service_id, improved)
    new_target = min(rec.uncapped_balanced_ratio, new_bound)
    return [{
        "condition": f"If {bottleneck.service_id} improved to {improved:.3%}",
        "result": f"The dependency bound would be {new_bound:.3%} and the "
                  f"balanced target {new_target:.2%}",
    }]


def percent_text(ratio: float) -> str:
    """As many digits as the number has (99.999%, not a rounded 100.00%)."""
    return f"{round(ratio * 100, 6):g}%"


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else milliseconds_up(seconds)


def _latency_view(rec: LatencyRecommendation, result: SloRecommendation) -> dict[str, Any]:
    tiers = {
        name: {"target_ms": _ms(tier.target_seconds),
               "percentile": f"p{tier.percentile * 100:g}",
               "estimated_breach_probability": (None if tier.breach_probability is None
                                                else round(tier.breach_probability, 4)),
               "breach_probability_period_days": rec.period_days,
               "historical_window_breach_share": (
                   None if tier.historical_window_breach_share is None
                   else round(tier.historical_window_breach_share, 4)),
               "judged_at_bucket_ms": _ms(tier.judged_at_seconds),
               "beyond_histogram_range": tier.target_seconds is None,
               "at_least_ms": _ms(tier.lower_bound_seconds)}
        for name, tier in rec.tiers.items()
    }
    observed = {f"p{p * 100:g}": milliseconds_up(v)
                for p, v in sorted(rec.observed_seconds.items())}
    balanced = rec.tiers["balanced"]
    p99 = rec.observed_seconds.get(balanced.percentile)
    label = f"p{balanced.percentile * 100:g}"
    if balanced.target_seconds is None:
        summary = (f"End-to-end {label} latency is beyond the histogram's range (at least "
                   f"{_ms(balanced.lower_bound_seconds)} ms): no balanced target can be "
                   "measured with these buckets.")
    else:
        summary = (f"End-to-end {label} latency measured at {milliseconds_up(p99 or 0)} ms; "
                   f"the balanced target of {milliseconds_up(balanced.target_seconds)} ms "
                   f"adds a {rec.noise_margin_ratio:.1%} noise margin.")
    return {
        "sli_type": "latency", "metric": "p99_response_time_ms", "observed_ms": observed,
        "noise_margin_percent": percent(rec.noise_margin_ratio, 2),
        "windows_evaluated": rec.windows, "tiers": tiers,
        "explanation": {
            "summary": summary, "note": LATENCY_NOTE,
            "feature_attribution": [
                {"feature": a.feature, "contribution": round(a.contribution, 3),
                 "effect_ms": round(a.effect * 1000, 1)}
                for a in result.latency_attribution],
        },
        "notes": rec.notes,
    }
