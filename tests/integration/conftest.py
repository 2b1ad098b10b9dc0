from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from slo_engine.runtime.bootstrap import Container
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client
from tests.integration.simulation_engine import (  # noqa: F401 - fixtures, for every module
    history_prometheus,
    simulation_client,
    simulation_engine,
)


@pytest.fixture
def client(container: Container, identity_provider: LocalIdentityProvider
           ) -> Iterator[TestClient]:
    """Acts as an sre_admin person: every endpoint, decisions included."""
    with admin_client(container, identity_provider) as test_client:
        yield test_client
