"""A route that returns a key its response model does not declare fails, rather than the
key reaching clients undocumented (or being dropped silently)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.exceptions import ResponseValidationError
from fastapi.testclient import TestClient

from slo_engine.api.response_model import ResponseModel


class Body(ResponseModel):
    name: str


def _app(returned: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/thing", response_model=Body)
    def thing() -> dict[str, Any]:
        return returned

    return app


def test_a_declared_shape_is_served() -> None:
    with TestClient(_app({"name": "checkout"})) as client:
        assert client.get("/thing").json() == {"name": "checkout"}


@pytest.mark.parametrize("returned", [{"name": "checkout", "surprise": 1}, {}])
def test_an_undeclared_or_missing_key_fails_the_route(returned: dict[str, Any]) -> None:
    with TestClient(_app(returned)) as client, pytest.raises(ResponseValidationError):
        client.get("/thing")
