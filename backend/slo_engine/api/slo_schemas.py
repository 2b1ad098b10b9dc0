"""SLO versions, decisions and audit events as response models (percent, milliseconds,
ISO times); `slo_views.py` renders them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from slo_engine.api.response_model import ResponseModel

TierName = Literal["conservative", "balanced", "aggressive"]


class SloTargetsView(ResponseModel):
    # Latency targets are keyed latency_<percentile>_ms for whichever percentiles the
    # policy's tiers use: the usual ones are declared, any other is a number too.
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, float | None] = Field(init=False)

    availability: float | None = Field(description="percent")
    latency_p95_ms: float | None = None
    latency_p99_ms: float | None = None
    latency_p999_ms: float | None = None


class SloView(ResponseModel):
    slo_id: str
    service_id: str
    version: int
    targets: SloTargetsView
    source: str | None = Field(description="recommendation_accepted, recommendation_modified "
                                           "or auto_approved")
    recommendation_id: str | None
    selected_tier: TierName | None
    period_days: int = Field(description="The SLO period in days (versions decided before "
                                         "periods were kept read as 30)")
    modification_delta: dict[str, str] | None = Field(
        description="Per target, how far the chosen target is from the recommended one")
    rationale: str | None
    activated_at: str
    activated_by: str | None


class SloDecided(SloView):
    status: Literal["active"]
    audit_sequence: int


class RecommendationRejected(ResponseModel):
    service_id: str
    recommendation_id: str
    status: Literal["rejected"]
    rationale: str | None
    audit_sequence: int


class SloVersion(SloView):
    status: Literal["active", "superseded"]


class SloVersions(ResponseModel):
    service_id: str
    active: SloView | None
    versions: list[SloVersion] = Field(description="Newest first")


class AuditEventView(ResponseModel):
    event_id: str | None
    sequence: int
    action: str | None
    service_id: str | None
    actor: str | None
    recommendation_id: str | None
    selected_tier: str | None
    rationale: str | None
    previous_slo: SloView | None
    new_slo: SloView | None
    detail: dict[str, Any] | None
    timestamp: str
    hash: str
    previous_hash: str


class SloHistory(ResponseModel):
    service_id: str
    events: list[AuditEventView] = Field(description="Newest first")


class BrokenLink(ResponseModel):
    sequence: int | None
    reason: str | None


class AuditVerification(ResponseModel):
    valid: bool
    events_checked: int
    first_broken_link: BrokenLink | None
