"""The service catalogue: listing with cursor pagination, and one service (TRD FR-1, FR-8)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from slo_engine.api.ingestion_schemas import SERVICE_ID_PATTERN
from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.security import access
from slo_engine.api.subgraph_schemas import (
    ServiceDetail,
    ServicePage,
    ServiceView,
    SliAggregateView,
)
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import milliseconds, percent
from slo_engine.api.wiring import Catalogue
from slo_engine.domain.access import Action
from slo_engine.domain.errors import InvalidInput
from slo_engine.domain.model import ServiceCriticality

router = APIRouter(prefix="/api/v1/services", tags=["services"])


def service_view(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "created_at": iso_from_ms(row.get("created_at")),
            "updated_at": iso_from_ms(row.get("updated_at"))}


def encode_cursor(service_id: str) -> str:
    return base64.urlsafe_b64encode(service_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:  # not base64, not ASCII, or not UTF-8 underneath
        raise InvalidInput("The cursor is not one this API issued; pass next_cursor from the "
                           "previous page unchanged.",
                           [{"pointer": "/query/cursor", "message": "is not a valid cursor"}]
                           ) from None


@router.get("", dependencies=[access(Action.READ, "services")],
            response_model=ServicePage, summary="List registered services")
def list_services(
    catalogue: Catalogue,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    team: Annotated[str | None, Query(max_length=255)] = None,
    criticality: ServiceCriticality | None = None,
    discovered: bool | None = None,
) -> ServicePage:
    after = decode_cursor(cursor) if cursor else ""
    filters = {"team": team, "criticality": criticality.value if criticality else None,
               "discovered": discovered}
    rows = catalogue.page(after, limit + 1, filters)
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1]["service_id"]) if len(rows) > limit else None
    return ServicePage(items=[ServiceView(**service_view(r)) for r in page],
                       next_cursor=next_cursor, limit=limit)


@router.get("/{service_id}", dependencies=[access(Action.READ, "services")],
            response_model=ServiceDetail, summary="One registered service",
            responses=problem_responses(404))
def get_service(
    service_id: Annotated[str, Path(pattern=SERVICE_ID_PATTERN)], catalogue: Catalogue
) -> ServiceDetail:
    row = catalogue.service(service_id)
    aggregates = {a["window"]: _aggregate_view(a) for a in catalogue.aggregates(service_id)}
    return ServiceDetail(**service_view(row), sli_aggregates=aggregates)


def _aggregate_view(row: dict[str, Any]) -> SliAggregateView:
    return SliAggregateView(
        requests=row["requests"], availability=percent(row["availability_ratio"]),
        error_rate=percent(row["error_ratio"]),
        request_rate_per_second=round(row["request_rate_per_second"], 4),
        latency_p50_ms=milliseconds(row["latency_p50_seconds"]),
        latency_p95_ms=milliseconds(row["latency_p95_seconds"]),
        latency_p99_ms=milliseconds(row["latency_p99_seconds"]),
        computed_at=iso_from_ms(row["computed_at"]))
