"""Org dashboard bodies (TRD FR-12): coverage, error-budget health and recommendation
quality, fleet-wide and by team and criticality."""

from __future__ import annotations

from pydantic import Field

from slo_engine.api.response_model import ResponseModel

BUCKETS = ("Services by share of the budget consumed over the last 30 days: "
           "under_25_percent, 25_to_50_percent, 50_to_75_percent, 75_to_100_percent, "
           "exhausted")


class CoverageCounts(ResponseModel):
    services: int
    with_slo: int
    coverage: float = Field(ge=0, le=1)


class Coverage(CoverageCounts):
    by_team: dict[str, CoverageCounts]
    by_criticality: dict[str, CoverageCounts]


class BudgetDistribution(ResponseModel):
    services_measured: int
    buckets: dict[str, int] = Field(description=BUCKETS)
    median_budget_consumed: float | None = Field(description="1.0: the whole budget")


class BudgetConsumed(ResponseModel):
    service_id: str
    budget_consumed: float


class ErrorBudgetHealth(BudgetDistribution):
    stale: bool
    stale_reason: str | None
    by_team: dict[str, BudgetDistribution]
    by_criticality: dict[str, BudgetDistribution]
    most_consumed: list[BudgetConsumed] = Field(description="The 20 most consumed")


class DecisionQuality(ResponseModel):
    decisions: int
    accepted_rate: float = Field(ge=0, le=1, description="auto-approvals included")
    modified_rate: float = Field(ge=0, le=1)
    rejected_rate: float = Field(ge=0, le=1)
    slos_measured: int
    slos_breached: int
    breach_rate: float | None = Field(ge=0, le=1)


class RecommendationQuality(DecisionQuality):
    stale: bool
    by_team: dict[str, DecisionQuality]
    by_criticality: dict[str, DecisionQuality]
