"""Response bodies of dependency subgraph reads."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from slo_engine.api.response_model import ResponseModel
from slo_engine.domain.model import Direction


class ServiceView(ResponseModel):
    service_id: str
    team: str | None
    criticality: str | None
    tier: int | None
    service_type: str | None
    discovered: bool | None
    metadata: dict[str, Any]
    created_at: str | None
    updated_at: str | None


class SliAggregateView(ResponseModel):
    requests: float
    availability: float | None = Field(description="Percent of requests that succeeded")
    error_rate: float | None = Field(description="Percent of requests that failed")
    request_rate_per_second: float
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    computed_at: str | None


class ServiceDetail(ServiceView):
    downstream_count: int
    upstream_count: int
    scc_id: str | None
    sli_aggregates: dict[str, SliAggregateView] = Field(
        default_factory=dict, description="Latest hourly aggregation, by window (1h, 1d, 7d, "
                                          "28d); empty until the first run")


class SubgraphNode(ResponseModel):
    service_id: str
    team: str | None
    criticality: str | None
    service_type: str | None
    discovered: bool | None
    downstream_depth: int | None
    upstream_depth: int | None


class SubgraphEdge(ResponseModel):
    source: str
    target: str
    communication_mode: str | None
    criticality: str | None
    protocol: str | None
    timeout_ms: int | None
    redundancy_group: str | None
    sources: list[str]
    confidence_score: float | None
    last_observed_at: str | None
    is_stale: bool
    metadata: dict[str, Any] | None = Field(default=None, description=(
        "With include_metadata=true: the edge's metadata (empty when it has none); "
        "absent otherwise"))


class Subgraph(ResponseModel):
    service: ServiceDetail
    direction: Direction
    max_depth: int
    depth_limit_reached: bool
    nodes: list[SubgraphNode]
    edges: list[SubgraphEdge]


class ServicePage(ResponseModel):
    items: list[ServiceView]
    next_cursor: str | None
    limit: int
