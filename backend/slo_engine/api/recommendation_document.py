"""The recommendation document (TRD FR-2 response): percent and milliseconds, ISO times.

Rendered once when a recommendation is computed, by the API or by a worker regenerating
it, and then stored and cached as is.
"""

from __future__ import annotations

import math
from typing import Any

from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import milliseconds_up, percent
from slo_engine.application.dependency_bound import DependencyBound, budget_share_flags
from slo_engine.application.recommend_slos import SloRecommendation
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
    explanation: dict[str, Any] = {
        "summary": _availability_summary(result.service_id, rec),
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


def _availability_summary(service_id: str, rec: AvailabilityRecommendation) -> str:
    balanced = rec.tiers["balanced"].target_ratio
    if math.isnan(rec.observed_ratio):
        return f"{service_id} has too little history; the balanced target {balanced:.2%} is " \
               "an archetype baseline."
    error_minutes = (1 - rec.observed_ratio) * MONTH_MINUTES
    text = (f"{service_id} achieved {rec.observed_ratio:.3%} availability over the lookback: "
            f"its errors cost the equivalent of {error_minutes:.1f} minutes of full outage a "
            "month. ")
    if rec.rule is None or rec.uncapped_balanced_ratio is None:
        return text + f"The balanced target is {balanced:.2%}."
    basis = (f"{rec.rule.error_multiplier:g} x those minutes plus "
             f"{rec.rule.allowance_minutes['balanced']:g} for an incident the lookback "
             "did not hold")
    if rec.capped_by_bound:
        return text + (f"The balanced target of {balanced:.2%} is capped by what its hard "
                       f"dependencies allow; from its own history ({basis}) it would be "
                       f"{rec.uncapped_balanced_ratio:.2%}.")
    budget = (1 - balanced) * MONTH_MINUTES
    unrounded = rec.rule.budget_ratio("balanced", 1 - rec.observed_ratio) * MONTH_MINUTES
    return text + (f"The balanced target of {balanced:.2%} budgets {budget:.1f} minutes a "
                   f"month: {basis} ({unrounded:.1f}), rounded to a 0.01% target.")


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
