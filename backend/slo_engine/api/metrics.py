"""The engine's own metrics for Prometheus to scrape (TRD 11.2); no credentials, like the
health probes: expose it on an internal port or network only."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from slo_engine.api.wiring import Metrics

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus exposition of the engine's metrics",
            response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}})
def metrics(engine_metrics: Metrics) -> Response:
    return Response(engine_metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
