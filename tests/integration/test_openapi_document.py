"""The OpenAPI document: checked in (docs/openapi.json) so a client can be generated
without running the service, every body declared, problems as problem+json."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from slo_engine.api.app import create_app
from slo_engine.api.response_model import ResponseModel
from slo_engine.runtime.bootstrap import Container
from tests.golden import REPOSITORY, Golden

DOCUMENT = REPOSITORY / "docs" / "openapi.json"
BODYLESS = {"/metrics"}  # Prometheus's text format, declared as a string


def test_the_checked_in_document_is_what_the_app_serves(container: Container,
                                                        golden: Golden) -> None:
    golden.check_json(DOCUMENT, create_app(container).openapi())


def test_every_json_route_declares_a_response_model_that_refuses_undeclared_keys(
        container: Container) -> None:
    app = create_app(container)
    undeclared = []
    for route in app.routes:
        if not isinstance(route, APIRoute) or route.path in BODYLESS \
                or route.status_code == 204:
            continue
        model = route.response_model
        if not (isinstance(model, type) and issubclass(model, ResponseModel)):
            undeclared.append(f"{sorted(route.methods or set())} {route.path}: {model}")
    assert not undeclared


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{method.upper()} {path}", operation)
            for path, item in document["paths"].items() for method, operation in item.items()]


def test_every_operation_documents_its_problems_as_problem_json_with_an_example(
        container: Container) -> None:
    document = create_app(container).openapi()
    for name, operation in _operations(document):
        responses = operation["responses"]
        assert {"500", "503"} <= set(responses), name
        if operation.get("security"):
            assert {"401", "403", "429"} <= set(responses), name
        for status, response in responses.items():
            if int(status) < 400 or "Readiness" in str(response):
                continue
            (media_type,) = response["content"]
            assert media_type == "application/problem+json", (name, status)
            body = response["content"][media_type]
            assert body["schema"] == {"$ref": "#/components/schemas/Problem"}
            assert body["example"]["status"] == int(status), (name, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_success_response_has_a_body_schema(container: Container) -> None:
    document = create_app(container).openapi()
    for name, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 300 or status == "204":
                continue
            (media_type,) = response["content"]
            schema = response["content"][media_type]["schema"]
            assert schema not in ({}, {"type": "object"}), (name, status)
            if media_type == "application/json":
                assert "$ref" in schema or "anyOf" in schema, (name, status, schema)
