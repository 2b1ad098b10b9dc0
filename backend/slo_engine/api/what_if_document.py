"""The what-if request mapped to the use cases and their answers rendered: percent and
milliseconds at this edge, ratios and seconds inside."""

from __future__ import annotations

from typing import Any

from slo_engine.api.units import percent
from slo_engine.api.what_if_schemas import DependencyChangeBody, WhatIfBody
from slo_engine.application.what_if import METHOD, DependencyWhatIf
from slo_engine.application.what_if_capacity import CapacityWhatIf
from slo_engine.domain.composite import CompositeAvailability
from slo_engine.domain.dependency_changes import DependencyChange
from slo_engine.domain.errors import InvalidInput
from slo_engine.domain.slo import percentile_label

MODES = {"async": {"communication_mode": "async"}, "soft": {"criticality": "soft"}}
CAPACITY_MODEL = "M/M/c from the observed throughput at the busiest hour"


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
