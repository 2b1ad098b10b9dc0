"""The what-if part of a simulation request and document (issue 19 item 2): percent and
milliseconds at this edge. `what_if_document.py` renders it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.response_model import ResponseModel

ServiceId = Annotated[str, Field(min_length=1, max_length=253)]


class DependencyChangeBody(BaseModel):
    """One change to this service's dependencies, applied in order."""

    model_config = ConfigDict(extra="forbid")

    service_id: ServiceId = Field(description="The dependency changed")
    change: Literal["availability", "fallback", "async", "soft", "remove"] = Field(
        description="availability: the dependency at `availability` (its own, without its "
                    "dependencies' failures); fallback: the caller's edge gains a redundancy "
                    "group with `fallback_service_id`, or a new service at `availability`; "
                    "async / soft: the edge leaves the composite; remove: the edge is gone")
    caller: ServiceId | None = Field(None, description=(
        "Whose edge to the dependency changes (default: this service)"))
    availability: Annotated[float, Field(gt=0, le=100, description="percent")] | None = None
    fallback_service_id: ServiceId | None = None


class WhatIfBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dependencies: Annotated[list[DependencyChangeBody], Field(max_length=20)] = []
    traffic_multiplier: Annotated[float, Field(ge=0.1, le=10, description=(
        "Traffic x this, against the busiest hour of the window"))] | None = None
    replica_count: Annotated[int, Field(ge=1, le=10_000, description=(
        "Replicas serving it (default: the service's `replicas` metadata, else 1)"))
    ] | None = None


class DependencyChangeView(ResponseModel):
    service_id: str
    change: str
    caller: str
    availability: float | None = Field(description="percent")
    fallback_service_id: str | None


class BoundView(ResponseModel):
    availability: float = Field(description="percent")
    method: Literal["exact", "monte_carlo"]
    error_bound: float = Field(description="percent (Monte Carlo's 95% half-width)")
    counted_services: int
    excluded_edges: int = Field(description="Soft, degraded or async edges met")


class UpstreamRiskView(ResponseModel):
    service_id: str
    depth: int
    slo_target: float = Field(description="percent")
    current_composite: float = Field(description="percent")
    projected_composite: float = Field(description="percent")
    already_at_risk: bool


class DependencyWhatIfView(ResponseModel):
    changes: list[DependencyChangeView]
    current_bound: BoundView
    projected_bound: BoundView
    own_availability: float = Field(description="percent: this service's own share")
    current_availability: float = Field(description="percent: own x the current bound")
    projected_availability: float = Field(description="percent: own x the projected bound")
    slo_target: float | None = Field(description="percent: this service's active SLO")
    slo_at_risk: bool | None
    recommended_balanced: float | None = Field(description=(
        "percent: the stored recommendation's balanced target"))
    upstream_affected: int = Field(description="Upstream services whose composite moves")
    upstream_slos_at_risk: list[UpstreamRiskView]
    recommendation: str
    method: str


class CapacityWhatIfView(ResponseModel):
    model: str
    traffic_multiplier: float
    replica_count: int
    observed_replica_count: int
    observed_peak_rps: float
    projected_peak_rps: float
    service_time_ms: float
    current_utilisation: float = Field(description="0-1, per replica at the busiest hour")
    projected_utilisation: float
    saturated: bool
    latency_ms: dict[str, dict[str, float | None]] = Field(description=(
        "By percentile: observed and projected milliseconds (None: saturated)"))
    error_ratio: float | None = Field(description=(
        "percent failing, unchanged until saturation (None: saturated, unbounded)"))
    assumptions: list[str]


class WhatIfView(ResponseModel):
    dependencies: DependencyWhatIfView | None
    capacity: CapacityWhatIfView | None
