"""The SLI review bodies (issue 20 item 4): ratios as `_ratio`, latencies in milliseconds,
times as ISO 8601. `slis.py` renders them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.response_model import ResponseModel

Query = Annotated[str, Field(min_length=1, max_length=4000)]


class SliQueries(ResponseModel):
    availability_good: str
    availability_total: str
    latency_good: str | None = Field(description="Requests within the threshold bucket")
    latency_total: str | None
    latency_threshold_ms: float | None = Field(description=(
        "The smallest bucket holding 99% of the lookback's requests"))


class SliSample(ResponseModel):
    end: str
    requests: float
    availability_ratio: float | None


class SliEvidence(ResponseModel):
    convention: str = Field(description="Which convention matched")
    service_label: str
    series_count: int
    label_coverage: dict[str, float] = Field(description=(
        "Per label the convention needs: the share of the service's series carrying it"))
    requests: float = Field(description="Over the lookback")
    failed_requests: float
    availability_ratio: float | None
    traffic_share: float = Field(description=(
        "Of the requests all of this service's candidates count together"))
    samples: list[SliSample] = Field(description="Consecutive slices of the lookback")
    code_values: list[str]
    latency_bucket_bounds_ms: list[float]
    metric_type: str | None = Field(description="From /api/v1/metadata; null: none known")


class SliOverrideView(ResponseModel):
    total_query: str
    good_query: str
    latency_query: str | None
    duration_unit_seconds: float | None


class SliView(ResponseModel):
    sli_id: str
    service_id: str
    status: Literal["candidate", "approved"]
    convention: str = Field(description="A known convention, or `override` once modified")
    rank: int | None
    confidence: float | None
    definition: dict[str, object] = Field(description=(
        "The SLI query fields (as a service's `sli` metadata names them) it feeds"))
    queries: SliQueries | None
    explanations: list[str]
    evidence: SliEvidence | None = Field(default=None, description=(
        "With include_evidence=true"))
    override: SliOverrideView | None
    approved_by: str | None
    approved_at: str | None
    discovered_at: str | None


class SliList(ResponseModel):
    service_id: str
    discovered: bool = Field(description="This request ran a discovery")
    stale: bool = Field(description="The metrics store did not answer: stored SLIs shown")
    stale_reason: str | None
    complete: bool = Field(description="Every convention finished within the deadline")
    unfinished: list[str] = Field(description="convention/label pairs cut off")
    truncated: list[str] = Field(description="convention/label pairs whose label values "
                                 "hit the limit")
    total: int
    offset: int
    limit: int
    items: list[SliView]


class SliDecisionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["approve", "modify"]
    total_query: Query | None = Field(default=None, description=(
        'modify: the service\'s requests, e.g. sum(rate(http_requests_total{service="x"}[5m]))'))
    good_query: Query | None = Field(default=None, description=(
        'modify: the same series less failures, e.g. ...{service="x", code!~"5.."}'))
    latency_query: Query | None = Field(default=None, description=(
        "modify: the service's *_bucket histogram with the same matchers"))
    duration_unit_seconds: Annotated[float, Field(gt=0, le=1)] | None = Field(
        default=None, description="modify: 0.001 for a histogram in milliseconds")
    rationale: Annotated[str, Field(max_length=4000)] | None = None


class SliDecided(ResponseModel):
    sli: SliView
    audit_sequence: int
