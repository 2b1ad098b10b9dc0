"""The what-if request mapped to the use cases and their answers rendered: percent and
milliseconds at this edge, ratios and seconds inside."""

from __future__ import annotations

from typing import Any

from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import milliseconds, percent
from slo_engine.api.what_if_schemas import DependencyChangeBody, WhatIfBody
from slo_engine.application.what_if import METHOD, DependencyWhatIf
from slo_engine.application.what_if_capacity import CapacityWhatIf
from slo_engine.application.what_if_deploy import DeployWhatIf
from slo_engine.domain.composite import CompositeAvailability
from slo_engine.domain.dependency_changes import DependencyChange
from slo_engine.domain.deploy_comparison import Change, DeployComparison, Side
from slo_engine.domain.errors import InvalidInput
from slo_engine.domain.slo import percentile_label

MODES = {"async": {"communication_mode": "async"}, "soft": {"criticality": "soft"}}
CAPACITY_MODEL = "M/M/c from the observed throughput at the busiest hour"
DEPLOY_METHOD = (
    "Hourly request counts and request-duration histogram over the window; the hour "
    "holding the marker is left out. Each side's error ratio is its failed over all "
    "requests, its latency percentiles from its summed histogram. The change is after - "
    "before, its 95% interval the percentiles of a moving-block bootstrap of each side "
    "(blocks of min(24, hours / 4) hours, 2,000 resamples, seeded); significant when the "
    "interval excludes 0.")


def dependency_changes(service_id: str, body: WhatIfBody) -> list[DependencyChange]:
    return [_change(service_id, k, change) for k, change in enumerate(body.dependencies)]


def _change(service_id: str, k: int, body: DependencyChangeBody) -> DependencyChange:
    ratio = None if body.availability is None else body.availability / 100
    if body.change == "availability" and ratio is None:
        raise InvalidInput("An availability change needs an availability.", [{
            "pointer": f"/what_if/dependencies/{k}/availability", "message": "give a percent"}])
    kind = "mode" if body.change in MODES else body.change
    return DependencyChange(kind, body.service_id, body.caller or service_id,  # type: ignore[arg-type]
                            ratio, body.fallback_service_id, **MODES.get(body.change, {}))


def dependency_document(answer: DependencyWhatIf) -> dict[str, Any]:
    target = answer.slo_target_ratio
    return {
        "changes": [_change_view(c) for c in answer.changes],
        "current_bound": _bound(answer.current_bound),
        "projected_bound": _bound(answer.projected_bound),
        "own_availability": percent(answer.own_ratio),
        "current_availability": percent(answer.current_availability_ratio),
        "projected_availability": percent(answer.projected_availability_ratio),
        "slo_target": None if target is None else percent(target),
        "slo_at_risk": None if target is None else answer.projected_availability_ratio < target,
        "recommended_balanced": (None if answer.stored_balanced_ratio is None
                                 else percent(answer.stored_balanced_ratio)),
        "upstream_affected": answer.upstream_affected,
        "upstream_slos_at_risk": [{
            "service_id": u.service_id, "depth": u.depth,
            "slo_target": percent(u.slo_target_ratio or 0.0),
            "current_composite": percent(u.current_composite_ratio),
            "projected_composite": percent(u.projected_composite_ratio),
            "already_at_risk": u.current_composite_ratio < (u.slo_target_ratio or 0.0),
        } for u in answer.upstream_at_risk],
        "recommendation": answer.summary, "method": METHOD,
    }


def capacity_document(answer: CapacityWhatIf) -> dict[str, Any]:
    projection = answer.projection
    return {
        "model": CAPACITY_MODEL, "traffic_multiplier": answer.multiplier,
        "replica_count": answer.replicas, "observed_replica_count": answer.observed_replicas,
        "observed_peak_rps": round(answer.peak_rps, 3),
        "projected_peak_rps": round(projection.projected.arrival_rps, 3),
        "service_time_ms": round(projection.current.service_time_s * 1000, 3),
        "current_utilisation": round(projection.current.utilisation, 4),
        "projected_utilisation": round(projection.projected.utilisation, 4),
        "saturated": projection.saturated,
        "latency_ms": {percentile_label(q): {"observed": _ms(before), "projected": _ms(after)}
                       for q, (before, after) in projection.latency_s.items()},
        "error_ratio": None if projection.saturated else percent(answer.error_ratio),
        "assumptions": list(answer.assumptions),
    }


def _change_view(change: DependencyChange) -> dict[str, Any]:
    name = (change.kind if change.kind != "mode"
            else "async" if change.communication_mode == "async" else "soft")
    ratio = change.availability_ratio
    return {"service_id": change.dependency, "change": name, "caller": change.caller,
            "availability": None if ratio is None else percent(ratio),
            "fallback_service_id": change.fallback}


def _bound(composite: CompositeAvailability) -> dict[str, Any]:
    return {"availability": percent(composite.availability_ratio), "method": composite.method,
            "error_bound": percent(composite.error_bound_ratio),
            "counted_services": len(composite.counted_services),
            "excluded_edges": len(composite.excluded)}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def deploy_document(answer: DeployWhatIf) -> dict[str, Any]:
    comparison, marker = answer.comparison, answer.marker
    return {
        "marker": {"source": marker.source, "at": _iso(marker.at_s), "series": marker.series,
                   "audit_sequence": marker.audit_sequence,
                   "changes_found": [_iso(t) for t in marker.changes_found]},
        "history_window": {"start": _iso(answer.history_start_s),
                           "end": _iso(answer.history_end_s)},
        "before": _side(comparison, comparison.before, 0),
        "after": _side(comparison, comparison.after, 1),
        "error_ratio_change": _change_view_of(comparison.error_ratio, 100, 4),
        "latency_change_ms": None if comparison.latency_s is None else {
            percentile_label(q): _change_view_of(c, 1000, 3)
            for q, c in comparison.latency_s.items()},
        "block_hours": list(comparison.block_hours),
        "recommendation": answer.summary, "method": DEPLOY_METHOD,
    }


def _side(comparison: DeployComparison, side: Side, index: int) -> dict[str, Any]:
    ratio = side.error_ratio
    latency = None if comparison.latency_s is None else {
        percentile_label(q): milliseconds((c.before, c.after)[index])
        for q, c in comparison.latency_s.items()}
    return {"start": _iso(side.start_s), "end": _iso(side.end_s),
            "hours_with_traffic": side.hours_with_traffic, "requests": round(side.requests, 3),
            "availability": None if ratio is None else percent(1 - ratio),
            "error_ratio": percent(ratio), "latency_ms": latency}


def _change_view_of(change: Change, scale: float, digits: int) -> dict[str, Any]:
    interval = change.interval
    return {"change": None if change.change is None else round(change.change * scale, digits),
            "interval": None if interval is None
            else [round(interval[0] * scale, digits), round(interval[1] * scale, digits)],
            "significant": change.significant}


def _iso(epoch_s: int) -> str:
    return str(iso_from_ms(epoch_s * 1000))
