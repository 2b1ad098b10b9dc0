"""RFC 7807 problem details: every error the API returns, mapped in one table."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from slo_engine.api.slo_views import slo_view
from slo_engine.domain.errors import (
    ArtifactInvalid,
    DependencyUnavailable,
    Forbidden,
    InsufficientHistory,
    InvalidInput,
    JourneyConflict,
    NotFound,
    RateLimited,
    SimulationTimedOut,
    SloConflict,
    SloNotActive,
    TelemetryQueryRejected,
    Unauthenticated,
)

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://slo-engine.internal/errors/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
DEFAULT_RETRY_AFTER_S = 5  # when nobody knows how long a dependency will be away


class BodyTooLarge(Exception):
    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"request body exceeds {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


class UnstorableText(Exception):
    """A request body holds a NUL character or an unpaired surrogate."""


def problem(
    request: Request, status: int, slug: str, title: str, detail: str,
    headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    if status == 503:
        headers = {"Retry-After": str(DEFAULT_RETRY_AFTER_S), **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _pointer(location: Sequence[int | str]) -> str:
    """('body', 'edges', 3, 'source') -> '/edges/3/source'; query and path keep their origin."""
    parts = [str(p) for p in location]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return "/" + "/".join(parts)


def _validation_message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is invalid"))
    if error.get("type") == "missing":
        return "is required; add it."
    return message[0].lower() + message[1:] if message else message


async def _request_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = error.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        where = next(e for e in errors if e.get("type") == "json_invalid")
        return problem(request, 400, "malformed-json", "Malformed JSON",
                       "The request body is not valid JSON: "
                       f"{where.get('ctx', {}).get('error', '')} Send a JSON document.")
    items = [{"pointer": _pointer(e["loc"]), "message": _validation_message(e)} for e in errors]
    first = items[0]
    return problem(request, 422, "invalid-input", "Invalid Input",
                   f"{first['pointer']} {first['message']} ({len(items)} problem(s) in all; "
                   "nothing was written.)", errors=items[:50])


async def _invalid_input(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InvalidInput)
    detail = error.detail
    if error.problems:
        first = error.problems[0]
        detail = f"{detail} First: {first['pointer']}: {first['message']}"
    return problem(request, 422, "invalid-input", "Invalid Input", detail, errors=error.problems)


async def _not_found(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NotFound)
    slug = error.kind.lower().replace(" ", "-") + "-not-found"
    return problem(request, 404, slug, f"{error.kind} Not Found", str(error))


async def _slo_not_active(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SloNotActive)
    return problem(request, 400, "slo-not-active", "SLO Not Active", error.detail,
                   errors=error.problems)


async def _artifact_invalid(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ArtifactInvalid)
    return problem(request, 422, "artifact-invalid", "Generated Artifact Invalid", str(error),
                   validation_output=error.output)


async def _conflict(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SloConflict)
    current = slo_view(error.current_slo) if error.current_slo else None
    return problem(request, 409, "slo-conflict", "Conflict", str(error), current_slo=current)


async def _journey_conflict(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, JourneyConflict)
    return problem(request, 409, "journey-conflict", "Conflict", str(error),
                   current_version=error.current_version)


async def _insufficient_history(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InsufficientHistory)
    since = (None if error.first_seen_ms is None
             else datetime.fromtimestamp(error.first_seen_ms / 1000, UTC).isoformat())
    return problem(request, 422, "insufficient-history", "Insufficient History", str(error),
                   errors=[{"pointer": error.pointer, "message": (
                       f"at most {int(error.available_days)} days of history exist")}],
                   history_days=round(error.available_days, 2), history_start=since)


async def _timed_out(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SimulationTimedOut)
    log.warning("simulation timed out on %s", request.url.path)
    return problem(request, 504, "simulation-timeout", "Simulation Timed Out", str(error))


async def _unavailable(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DependencyUnavailable)
    log.warning("dependency unavailable: %s", error)
    wait = DEFAULT_RETRY_AFTER_S if error.retry_after_s is None \
        else max(1, math.ceil(error.retry_after_s))
    return problem(request, 503, "dependency-unavailable", "Dependency Unavailable",
                   f"The {error.component} is not answering ({error.reason}); retry in "
                   f"{wait} s.", headers={"Retry-After": str(wait)})


async def _rejected_query(request: Request, error: Exception) -> JSONResponse:
    """The metrics store answered, with a refusal (too many samples, a bad query): the
    upstream failed, not this request."""
    assert isinstance(error, TelemetryQueryRejected)
    log.warning("metrics store refused a query: %s", error)
    return problem(request, 502, "metrics-store-error", "Bad Gateway",
                   f"The metrics store refused a query ({error.reason}) and no earlier "
                   "recommendation is stored; check its limits or the SLI configuration.")


async def _unauthenticated(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Unauthenticated)
    return problem(request, 401, "unauthenticated", "Unauthenticated", str(error),
                   headers={"WWW-Authenticate": 'Bearer realm="slo-engine"'})


async def _forbidden(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Forbidden)
    return problem(request, 403, "forbidden", "Forbidden", str(error))


async def _rate_limited(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RateLimited)
    log.warning("rate limit exceeded on %s %s", request.method, request.url.path)
    return problem(request, 429, "rate-limited", "Too Many Requests", str(error),
                   headers={"Retry-After": str(error.retry_after_s)})


async def too_large(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BodyTooLarge)
    return problem(request, 413, "payload-too-large", "Payload Too Large",
                   f"The request body exceeds {error.limit_bytes} bytes; split it into "
                   "several requests.")


async def unstorable_text(request: Request, _error: Exception) -> JSONResponse:
    return problem(request, 422, "invalid-input", "Invalid Input",
                   "The body holds a NUL character (\\u0000) or an unpaired UTF-16 surrogate "
                   "escape, which no text field may contain; remove it. Nothing was written.")


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    titles = {404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large"}
    title = titles.get(error.status_code, "HTTP Error")
    detail = str(error.detail)
    if error.status_code == 404 and detail == "Not Found":
        detail = f"No route matches {request.method} {request.url.path}; see /docs."
    return problem(request, error.status_code, title.lower().replace(" ", "-"), title, detail)


async def _unexpected(request: Request, _error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(request, 500, "internal-error", "Internal Server Error",
                   "The request failed unexpectedly; it has been logged.")


HANDLERS: dict[type[Exception], Callable[..., Any]] = {
    RequestValidationError: _request_validation,
    InvalidInput: _invalid_input,
    InsufficientHistory: _insufficient_history,
    SimulationTimedOut: _timed_out,
    NotFound: _not_found,
    SloConflict: _conflict,
    JourneyConflict: _journey_conflict,
    ArtifactInvalid: _artifact_invalid,
    SloNotActive: _slo_not_active,
    DependencyUnavailable: _unavailable,
    TelemetryQueryRejected: _rejected_query,
    Unauthenticated: _unauthenticated,
    Forbidden: _forbidden,
    RateLimited: _rate_limited,
    BodyTooLarge: too_large,
    StarletteHTTPException: _http_error,
    Exception: _unexpected,
}


def install_problem_handlers(app: FastAPI) -> None:
    for exception_type, handler in HANDLERS.items():
        app.add_exception_handler(exception_type, handler)
