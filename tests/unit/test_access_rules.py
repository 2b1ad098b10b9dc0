"""The role table of TRD FR-8, one rule at a time."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from slo_engine.domain.access import (
    Action,
    CredentialKind,
    Principal,
    Role,
    authorize,
    strongest_role,
)
from slo_engine.domain.errors import Forbidden


def person(role: Role, *teams: str) -> Principal:
    return Principal("jane", role, frozenset(teams), CredentialKind.USER)


def service_key(role: Role, *teams: str) -> Principal:
    return Principal("api-key:0123456789ab", role, frozenset(teams), CredentialKind.API_KEY)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("make", [person, service_key])
def test_every_role_reads(role: Role, make: Callable[[Role], Principal]) -> None:
    authorize(make(role), Action.READ)


@pytest.mark.parametrize("action", [Action.INGEST, Action.ADMINISTER])
def test_only_sre_admins_ingest_and_administer(action: Action) -> None:
    authorize(person(Role.SRE_ADMIN), action)
    authorize(service_key(Role.SRE_ADMIN), action)
    for role in (Role.SERVICE_OWNER, Role.VIEWER):
        with pytest.raises(Forbidden, match="needs sre_admin"):
            authorize(person(role, "payments"), action)


def test_an_sre_admin_person_decides_for_any_service() -> None:
    authorize(person(Role.SRE_ADMIN), Action.DECIDE, "payments")
    authorize(person(Role.SRE_ADMIN), Action.DECIDE, None)


def test_a_service_owner_decides_only_for_its_teams_services() -> None:
    owner = person(Role.SERVICE_OWNER, "payments", "checkout")
    authorize(owner, Action.DECIDE, "checkout")
    with pytest.raises(Forbidden, match="team 'search', which is not among your teams"):
        authorize(owner, Action.DECIDE, "search")
    with pytest.raises(Forbidden, match="belongs to no team"):
        authorize(owner, Action.DECIDE, None)


def test_a_viewer_never_decides() -> None:
    with pytest.raises(Forbidden, match="viewer role is read-only"):
        authorize(person(Role.VIEWER, "payments"), Action.DECIDE, "payments")


@pytest.mark.parametrize("role", list(Role))
def test_decisions_need_a_person_not_an_api_key(role: Role) -> None:
    with pytest.raises(Forbidden, match="needs a person's identity"):
        authorize(service_key(role, "payments"), Action.DECIDE, "payments")


def test_the_most_privileged_claimed_role_wins_and_unknown_names_are_ignored() -> None:
    assert strongest_role(["viewer", "sre_admin"]) is Role.SRE_ADMIN
    assert strongest_role(["offline_access", "service_owner"]) is Role.SERVICE_OWNER
    assert strongest_role(["offline_access"]) is None


def test_rate_limit_buckets_are_per_credential_kind_and_subject() -> None:
    assert person(Role.VIEWER).bucket == "user:jane"
    assert service_key(Role.VIEWER).bucket == "api_key:api-key:0123456789ab"
