"""Builds the FastAPI application around an already-bootstrapped container."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from slo_engine import __version__
from slo_engine.api import (
    artifacts,
    audit,
    auto_approval,
    cycles,
    dashboard,
    dependency_graph,
    divergences,
    health,
    impact,
    jobs,
    journeys,
    metrics,
    recommendations,
    services,
    simulations,
    slis,
    slo_artifacts,
    slos,
)
from slo_engine.api.body_limit import BodySizeLimit
from slo_engine.api.problem_schemas import install_problem_documentation
from slo_engine.api.problems import install_problem_handlers
from slo_engine.api.request_observation import RequestObservation
from slo_engine.api.response_headers import ResponseHeaders
from slo_engine.api.wiring import RouteUseCases
from slo_engine.runtime.bootstrap import Container

DESCRIPTION = """Recommends achievable, dependency-aware SLOs. Errors are RFC 7807 problem
details (`application/problem+json`) naming the offending field and the fix.

Every endpoint except health and metrics needs a credential: `X-API-Key` (service keys,
`slo-engine apikey create`) or `Authorization: Bearer` (an OIDC access token; required to
accept, modify or reject). Roles: `sre_admin`, `service_owner` (decides for its teams'
services), `viewer`. Responses carry `X-RateLimit-Limit/-Remaining/-Reset`; 429 answers
carry `Retry-After`."""


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        container.event_loop = asyncio.get_running_loop()
        yield
        if container.history is not None:
            await container.history.telemetry.close()

    app = FastAPI(title="SLO Recommendation Engine", version=__version__,
                  description=DESCRIPTION, docs_url="/docs", redoc_url="/redoc",
                  lifespan=lifespan)
    app.state.container = container
    app.state.use_cases = RouteUseCases.of(container)
    install_problem_handlers(app)
    install_problem_documentation(app)
    # Order matters: the ingestion router's /dependencies must win over /{service_id}.
    for module in (health, metrics, dependency_graph, services, recommendations, slos,
                   simulations, slo_artifacts, artifacts, impact, cycles, divergences, audit,
                   auto_approval, dashboard, jobs, slis, journeys):
        app.include_router(module.router)
    # Added last runs first: observation sees every response, headers are added to all.
    app.add_middleware(BodySizeLimit, max_bytes=container.settings.max_body_bytes)
    app.add_middleware(ResponseHeaders)
    app.add_middleware(RequestObservation, metrics=container.metrics)
    return app
