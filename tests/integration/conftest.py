from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from slo_engine.api.app import create_app
from slo_engine.runtime.bootstrap import Container


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as test_client:
        yield test_client
