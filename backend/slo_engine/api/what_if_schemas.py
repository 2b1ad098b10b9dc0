"""The what-if part of a simulation request and document (issue 19 item 2): percent and
milliseconds at this edge. `what_if_document.py` renders it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from slo_engine.api.response_model import ResponseModel, TimeWindow

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


LabelName = Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$", max_length=128)]


class AnnotationSeriesBody(BaseModel):
    """A series whose value changes at deploys; the newest change in the window is the
    marker."""

    model_config = ConfigDict(extra="forbid")

    metric: Annotated[str, Field(pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$", max_length=200,
                                 description="e.g. kube_deployment_status_observed_generation")]
    labels: Annotated[dict[LabelName, Annotated[str, Field(max_length=256)]],
                      Field(max_length=10, description=(
                          "Exact label matchers, e.g. {\"deployment\": \"checkout\"}"))] = {}


class DeployBody(BaseModel):
    """A deploy marker: exactly one of `at`, `annotation` or `drift_event`."""

    model_config = ConfigDict(extra="forbid")

    at: AwareDatetime | None = Field(None, description="When the deploy happened")
    annotation: AnnotationSeriesBody | None = None
    drift_event: Annotated[int, Field(ge=1)] | Literal["latest"] | None = Field(
        None, description="A drift the engine confirmed: the audit sequence of its "
                          "drift_triggered event, or \"latest\"")
    compare_days: Annotated[int, Field(ge=1, le=90, description=(
        "Days compared on each side of the marker, at most (each needs a day)"))] = 7


class WhatIfBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dependencies: Annotated[list[DependencyChangeBody], Field(max_length=20)] = []
    traffic_multiplier: Annotated[float, Field(ge=0.1, le=10, description=(
        "Traffic x this, against the busiest hour of the window"))] | None = None
    replica_count: Annotated[int, Field(ge=1, le=10_000, description=(
        "Replicas serving it (default: the service's `replicas` metadata, else 1)"))
    ] | None = None
    deploy: DeployBody | None = Field(None, description=(
        "Compare the service's history before and after a deploy"))


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


class DeployMarkerView(ResponseModel):
    source: Literal["timestamp", "annotation", "drift_event"]
    at: str
    series: str | None = Field(description="The annotation series' selector")
    audit_sequence: int | None = Field(description="The drift event's")
    changes_found: list[str] = Field(description="The annotation series' changes in the "
                                                 "window (newest last, at most 20)")


class DeploySideView(ResponseModel):
    start: str
    end: str
    hours_with_traffic: int
    requests: float
    availability: float | None = Field(description="percent")
    error_ratio: float | None = Field(description="percent")
    latency_ms: dict[str, float | None] | None = Field(description=(
        "p50, p95, p99 from the side's summed histogram (None: no histogram)"))


class ChangeView(ResponseModel):
    change: float | None = Field(description="after - before")
    interval: tuple[float, float] | None = Field(description="95%, of the change")
    significant: bool = Field(description="The interval excludes 0")


class DeployWhatIfView(ResponseModel):
    marker: DeployMarkerView
    history_window: TimeWindow
    before: DeploySideView
    after: DeploySideView
    error_ratio_change: ChangeView = Field(description="percentage points")
    latency_change_ms: dict[str, ChangeView] | None = Field(description="By percentile")
    block_hours: tuple[int, int] = Field(description="The bootstrap's block length before "
                                                     "and after the marker")
    recommendation: str
    method: str


class WhatIfView(ResponseModel):
    dependencies: DependencyWhatIfView | None
    capacity: CapacityWhatIfView | None
    deploy: DeployWhatIfView | None = None
