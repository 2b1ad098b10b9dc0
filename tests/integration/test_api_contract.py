"""AC-015: requests generated from the live OpenAPI document of the app (schemathesis).
Whatever they send, the app answers without a server error, and every documented
response body matches its schema."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.result import Ok

from slo_engine.api.app import create_app
from slo_engine.runtime.bootstrap import Container
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import bearer, graph, ingest

EXAMPLES_PER_MODE = 15  # per operation, valid and invalid: the run stays within a minute
CHECKS = [not_a_server_error, response_schema_conformance]


def _exercise(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(max_examples=EXAMPLES_PER_MODE, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_no_generated_request_makes_a_server_error_and_responses_match_the_schema(
        container: Container, identity_provider: LocalIdentityProvider) -> None:
    app = create_app(container)
    with TestClient(app, headers=bearer(identity_provider)) as client:
        ingest(client, graph("manual", [
            ("gateway", "checkout"), ("checkout", "payment"), ("payment", "stripe"),
            ("cart", "pricing"), ("pricing", "cart")],
            nodes=[{"service_id": "checkout", "metadata": {"team": "payments"}}]))
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        headers = bearer(identity_provider)
        failures, exercised = [], 0
        for result in schema.get_all_operations():
            assert isinstance(result, Ok), result.err()  # the schema parses whole
            operation = result.ok()
            exercised += 1
            for mode in GenerationMode:
                try:
                    _exercise(operation, mode, headers)
                except Unsatisfiable:  # nothing to send wrong: the operation takes no input
                    continue
                except Exception as failure:  # collect every operation's failures
                    failures.append(f"{operation.method.upper()} {operation.path} "
                                    f"({mode.value}): {failure}")
    assert exercised >= 24
    assert not failures, "\n\n".join(failures)
