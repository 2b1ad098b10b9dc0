"""The alert dry run as the API shows it: minutes and ISO times at this edge."""

from __future__ import annotations

from pydantic import Field

from slo_engine.api.response_model import ResponseModel
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.application.dry_run_alerts import DryRunResult


class SeverityDryRun(ResponseModel):
    severity: str
    episodes: int
    firing_minutes: float
    first_fired_at: str | None
    last_firing_at: str | None
    episodes_per_week: float


class PeriodDryRun(ResponseModel):
    sli: str
    start: str
    end: str
    complete: bool = Field(description="False: the history is shorter than one period")
    breached: bool = Field(description="The period's error budget ran out")
    exhausted_at: str | None
    paged: bool
    first_page_at: str | None
    page_lead_minutes: float | None = Field(
        description="How long before the budget ran out the page came (negative: after)")


class DryRunView(ResponseModel):
    service_id: str
    slo_id: str
    slo_version: int
    method: str = Field(description="replay: the alerts' expressions (recording rules "
                                    "inline) through the alert state machine; syntax-only: "
                                    "Prometheus did not answer, promtool checked the rules")
    degraded: bool
    reason: str | None
    window_start: str
    window_end: str
    severities: list[SeverityDryRun]
    periods: list[PeriodDryRun]
    warnings: list[str]


def _at(seconds: int | None) -> str | None:
    return None if seconds is None else iso_from_ms(seconds * 1000)


def dry_run_view(result: DryRunResult) -> DryRunView:
    return DryRunView(
        service_id=result.service_id, slo_id=result.slo_id, slo_version=result.slo_version,
        method=str(result.method), degraded=result.degraded, reason=result.reason,
        window_start=_at(result.start_s) or "", window_end=_at(result.end_s) or "",
        severities=[SeverityDryRun(
            severity=s.severity, episodes=s.episodes,
            firing_minutes=round(s.firing_seconds / 60, 1),
            first_fired_at=_at(s.first_fired_s), last_firing_at=_at(s.last_firing_s),
            episodes_per_week=round(s.episodes_per_week, 2)) for s in result.severities],
        periods=[PeriodDryRun(
            sli=sli.sli, start=_at(p.start_s) or "", end=_at(p.end_s) or "",
            complete=p.complete, breached=p.breached, exhausted_at=_at(p.exhausted_s),
            paged=p.paged, first_page_at=_at(p.first_page_s),
            page_lead_minutes=None if p.page_lead_seconds is None
            else round(p.page_lead_seconds / 60, 1))
            for sli in result.periods for p in sli.periods],
        warnings=list(result.warnings))
