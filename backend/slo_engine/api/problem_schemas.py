"""RFC 7807 problem documents in the OpenAPI document: one model, an example per status,
served as `application/problem+json`.

Routes declare the problems particular to them (`problem_responses(404, 409)`); the ones
any route can answer (401, 403 and 429 where a credential is needed, 422 where there is
input, 500 and 503 everywhere) are added to every operation by `document_problems`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from slo_engine.api.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE


class ProblemItem(BaseModel):
    pointer: str = Field(description="JSON pointer to the offending field, e.g. "
                                     "/edges/3/source or /query/lookback_days")
    message: str = Field(description="What is wrong and the fix")


class Problem(BaseModel):
    """An RFC 7807 problem document."""

    model_config = ConfigDict(extra="allow")  # members particular to a problem type

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemItem] | None = Field(
        default=None, description="Every invalid field (422)")
    current_slo: dict[str, Any] | None = Field(
        default=None, description="The SLO that is active now (409 slo-conflict)")
    current_version: int | None = Field(
        default=None, description="The journey's latest version (409 journey-conflict)")
    validation_output: str | None = Field(
        default=None, description="The validator's own report on generated artifacts (422)")
    history_days: float | None = Field(
        default=None, description="Days of history the metrics store holds (422 "
                                  "insufficient-history)")
    history_start: str | None = Field(
        default=None, description="When that history starts (422 insufficient-history)")


def _example(status: int, slug: str, title: str, detail: str, **extra: Any
             ) -> dict[str, Any]:
    return {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail,
            "instance": "/api/v1/services/checkout/slo-recommendations", **extra}


PROBLEMS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("The request body is not valid JSON", _example(
        400, "malformed-json", "Malformed JSON", "The request body is not valid JSON: "
        "Expecting value at line 1 column 1. Send a JSON document.")),
    401: ("No valid credential", _example(
        401, "unauthenticated", "Unauthenticated", "Send an X-API-Key header or an "
        "Authorization: Bearer token.")),
    403: ("The credential's role may not do this", _example(
        403, "forbidden", "Forbidden", "The viewer role may not decide on recommendations.")),
    404: ("Not found", _example(
        404, "service-not-found", "Service Not Found", "No service 'checkout' in the "
        "dependency graph; ingest it first.")),
    409: ("Decided meanwhile: the current state is in the body", _example(
        409, "slo-conflict", "Conflict", "The active SLO is version 3, not version 2; "
        "decide again against it.", current_slo={"slo_id": "…", "version": 3})),
    413: ("The request body is too large", _example(
        413, "payload-too-large", "Payload Too Large", "The request body exceeds 10485760 "
        "bytes; split it into several requests.")),
    422: ("Invalid input: every invalid field, with the fix; nothing was written", _example(
        422, "invalid-input", "Invalid Input", "/query/lookback_days input should be "
        "greater than or equal to 7 (1 problem(s) in all; nothing was written.)",
        errors=[{"pointer": "/query/lookback_days",
                 "message": "input should be greater than or equal to 7"}])),
    429: ("Rate limited: Retry-After says when to retry", _example(
        429, "rate-limited", "Too Many Requests", "Rate limit of 100 requests a minute "
        "exceeded; retry in 3 s.")),
    500: ("An unexpected failure (logged)", _example(
        500, "internal-error", "Internal Server Error",
        "The request failed unexpectedly; it has been logged.")),
    502: ("The metrics store refused a query and nothing earlier is stored", _example(
        502, "metrics-store-error", "Bad Gateway", "The metrics store refused a query "
        "(too many samples) and no earlier recommendation is stored; check its limits or "
        "the SLI configuration.")),
    504: ("The simulation ran past its 120 s limit", _example(
        504, "simulation-timeout", "Simulation Timed Out", "The simulation did not finish "
        "within its 120 s limit; ask for fewer iterations or a shorter historical window.")),
    503: ("A dependency is down or slow: Retry-After says when to retry", _example(
        503, "dependency-unavailable", "Dependency Unavailable", "The metrics store "
        "(Prometheus) is not answering (no answer within the 3 s deadline); retry in 5 s.")),
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route for the problems particular to it."""
    return {status: _problem_response(status) for status in statuses}


def _problem_response(status: int) -> dict[str, Any]:
    description, example = PROBLEMS[status]
    return {"model": Problem, "description": description,
            "content": {"application/json": {"example": example}}}


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Every operation's problem responses as `application/problem+json`, with the ones
    any route can answer added, and FastAPI's own 422 schema replaced by the problem."""
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["ProblemItem"] = schemas["Problem"].pop("$defs")["ProblemItem"]
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path_item in openapi.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            common = [500, 503]
            if operation.get("security"):
                common += [401, 403, 429]
            if "422" in responses:
                del responses["422"]
                common.append(422)
            for status in common:
                responses.setdefault(str(status), {"description": PROBLEMS[status][0]})
            for status, response in responses.items():
                if int(status) >= 400 and _is_problem(response, problem_ref):
                    response["content"] = {PROBLEM_MEDIA_TYPE: {
                        "schema": problem_ref,
                        "example": PROBLEMS.get(int(status), PROBLEMS[500])[1]}}
    return openapi


def _is_problem(response: dict[str, Any], problem_ref: dict[str, str]) -> bool:
    """No body declared, or the problem model (not, say, readiness's 503 body)."""
    content = response.get("content")
    return not content or content.get("application/json", {}).get("schema") == problem_ref


def install_problem_documentation(app: FastAPI) -> None:
    """The app's OpenAPI document, built once, with `document_problems` applied."""
    build = app.openapi
    documented: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        if not documented:
            documented.append(document_problems(build()))
        return documented[0]

    app.openapi = openapi  # type: ignore[method-assign]
