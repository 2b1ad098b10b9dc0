"""Org dashboards (TRD FR-12)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter

from slo_engine.api.dashboard_schemas import Coverage, ErrorBudgetHealth, RecommendationQuality
from slo_engine.api.security import access
from slo_engine.api.wiring import Dashboard
from slo_engine.domain.access import Action

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])


@router.get("/coverage", dependencies=[access(Action.READ, "default")],
            summary="SLO coverage by team and criticality", response_model=Coverage)
async def coverage(dashboard: Dashboard) -> dict[str, Any]:
    return await asyncio.to_thread(dashboard.coverage)


@router.get("/error-budget-health", dependencies=[access(Action.READ, "default")],
            summary="Error budget consumed over the last 30 days, distribution by team",
            response_model=ErrorBudgetHealth)
async def error_budget_health(dashboard: Dashboard) -> dict[str, Any]:
    return await dashboard.error_budget_health()


@router.get("/recommendation-quality", dependencies=[access(Action.READ, "default")],
            summary="Acceptance, modification and rejection rates; breach rates of SLOs",
            response_model=RecommendationQuality)
async def recommendation_quality(dashboard: Dashboard) -> dict[str, Any]:
    return await dashboard.recommendation_quality()
