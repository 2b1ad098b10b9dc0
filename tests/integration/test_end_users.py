"""A portal's key (Backstage calls for all of its users with one key) names the person it
calls for: each person gets a rate-limit bucket of their own, the key a ceiling, and the
person shows in what the audit trail records. No other credential may name one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from slo_engine.api.app import create_app
from slo_engine.domain.access import Role
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess
from tests.conftest import GENEROUS_RATE_LIMITS, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import bearer

SERVICES = "/api/v1/services"


@pytest.fixture
def limited(falkordb_server: ServerProcess, redis_server: ServerProcess, tmp_path: Path,
            identity_provider: LocalIdentityProvider) -> Iterator[Container]:
    container = bootstrap(settings_for(
        falkordb_server, redis_server, tmp_path, identity=identity_provider,
        rate_limits_per_minute={**GENEROUS_RATE_LIMITS, "services": 2},
        end_user_key_ceiling_multiplier=3))
    yield container
    container.close()


def _key(container: Container, role: Role = Role.VIEWER, portal: bool = True) -> str:
    raw, _record = container.api_keys.issue("backstage", role, (), "test",
                                            acts_for_end_users=portal)
    return str(raw)


def test_each_end_user_of_a_portal_key_has_a_bucket_and_the_key_a_ceiling(
        limited: Container) -> None:
    client = TestClient(create_app(limited), headers={"X-API-Key": _key(limited)})

    def status(user: str) -> int:
        # starlette types its client against httpx2, absent here: name what it returns
        response: httpx.Response = client.get(SERVICES, headers={"X-End-User": user})
        return response.status_code

    assert [status("user:default/jane") for _ in range(5)] == [200, 200, 429, 429, 429]
    assert status("user:default/joe") == 200  # jane's empty bucket is not joe's
    # Only what passed a person's bucket spends the key's ceiling (2 x 3 = 6): jane's
    # refusals did not.
    assert [status(f"user:default/u{k}") for k in range(4)] == [200, 200, 200, 429]
    # The key's own bucket (no X-End-User) is apart from its ceiling.
    assert client.get(SERVICES).status_code == 200


def test_a_key_without_the_right_or_a_persons_token_may_not_name_an_end_user(
        limited: Container, identity_provider: LocalIdentityProvider) -> None:
    plain = TestClient(create_app(limited), headers={"X-API-Key": _key(limited, portal=False)})
    refused = plain.get(SERVICES, headers={"X-End-User": "user:default/jane"})
    assert refused.status_code == 403
    assert "--acts-for-end-users" in refused.json()["detail"]
    person = TestClient(create_app(limited), headers=bearer(identity_provider))
    assert person.get(SERVICES, headers={"X-End-User": "jane"}).status_code == 403


def test_an_end_user_header_with_odd_characters_is_refused_naming_it(
        limited: Container) -> None:
    client = TestClient(create_app(limited), headers={"X-API-Key": _key(limited)})
    response = client.get(SERVICES, headers={"X-End-User": "jane doe;drop"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/headers/X-End-User"


def test_what_a_portal_key_does_for_a_person_records_both(limited: Container) -> None:
    key = _key(limited, Role.SRE_ADMIN)
    client = TestClient(create_app(limited), headers={"X-API-Key": key,
                                                      "X-End-User": "user:default/jane"})
    created = client.post("/api/v1/auto-approval-rules",
                          json={"name": "low", "conditions": {"criticality": ["low"]}})
    assert created.status_code == 201, created.text
    key_id = key.split("_")[1]
    assert created.json()["created_by"] == f"api-key:{key_id} for user:default/jane"
