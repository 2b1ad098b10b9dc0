"""Building and posting submissions in integration tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi.testclient import TestClient

from slo_engine.api.app import create_app
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.settings import Settings
from tests.conftest import SettableClock
from tests.identity_provider import LocalIdentityProvider

INGEST = "/api/v1/services/dependencies"
# source, target and, optionally, the edge's attributes
Edge = tuple[str, str] | tuple[str, str, dict[str, Any]]
ADMIN = "jane@example.com"


def bearer(provider: LocalIdentityProvider, subject: str = ADMIN,
           roles: tuple[str, ...] = ("sre_admin",), groups: tuple[str, ...] = ()
           ) -> dict[str, str]:
    return {"Authorization": f"Bearer {provider.token(subject, roles, groups)}"}


def admin_client(container: Container, provider: LocalIdentityProvider) -> TestClient:
    """A client acting as an sre_admin person (enter it with `with`)."""
    return TestClient(create_app(container), headers=bearer(provider))


def graph(source: str, edges: Sequence[Edge], nodes: Sequence[str | dict[str, Any]] = (),
          **extra: Any) -> dict[str, Any]:
    return {
        "source": source,
        "nodes": [n if isinstance(n, dict) else {"service_id": n} for n in nodes],
        "edges": [{"source": e[0], "target": e[1],
                   "attributes": e[2] if len(e) > 2 else {}} for e in edges],
        **extra,
    }


def ingest(client: TestClient, payload: dict[str, Any]) -> dict[str, Any]:
    """Post and return the finished ingestion (TestClient runs background work before returning)."""
    response = client.post(INGEST, json=payload)
    assert response.status_code == 202, response.text
    accepted = response.json()
    status = client.get(accepted["status_url"])
    assert status.status_code == 200, status.text
    body: dict[str, Any] = status.json()
    assert body["status"] == "completed", body
    return body


@contextlib.contextmanager
def serving(settings: Settings, topology: dict[str, Any], provider: LocalIdentityProvider
            ) -> Iterator[TestClient]:
    """An admin client of an engine built from these settings, holding this topology;
    the engine is closed afterwards."""
    container = bootstrap(settings, SettableClock())
    try:
        with admin_client(container, provider) as client:
            ingest(client, topology)
            yield client
    finally:
        container.close()
