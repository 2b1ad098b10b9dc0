"""Bearer tokens verified against a JWKS served over HTTP by a local key publisher."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from joserfc.jwk import RSAKey

from slo_engine.adapters.oidc import JwksTokenVerifier, OidcConfig
from slo_engine.domain.access import CredentialKind, Role
from slo_engine.domain.errors import DependencyUnavailable, Forbidden, Unauthenticated
from tests.identity_provider import AUDIENCE, ISSUER, LocalIdentityProvider


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider() -> Iterator[LocalIdentityProvider]:
    own = LocalIdentityProvider()  # its own keys: rotation must not leak into other tests
    yield own
    own.stop()


def verifier_for(provider: LocalIdentityProvider, monotonic: Monotonic | None = None,
                 **options: object) -> JwksTokenVerifier:
    config = OidcConfig(ISSUER, AUDIENCE, provider.jwks_url, **options)  # type: ignore[arg-type]
    return JwksTokenVerifier(config, monotonic=monotonic or Monotonic())


def test_a_valid_token_yields_its_subject_role_and_teams(provider: LocalIdentityProvider
                                                         ) -> None:
    verifier = verifier_for(provider)
    principal = verifier.verify(provider.token("jane", ["viewer", "service_owner"],
                                               ["payments"], team="checkout"))
    assert (principal.subject, principal.role, principal.teams, principal.kind) == (
        "jane", Role.SERVICE_OWNER, frozenset({"payments", "checkout"}), CredentialKind.USER)


@pytest.mark.parametrize(("claims", "message"), [
    ({"expires_in_s": -120}, "has expired"),
    ({"iss": "https://evil.example"}, "'iss'"),
    ({"aud": "another-api"}, "'aud'"),
])
def test_expired_foreign_and_misaddressed_tokens_are_refused(
        provider: LocalIdentityProvider, claims: dict[str, object], message: str) -> None:
    with pytest.raises(Unauthenticated, match=message):
        verifier_for(provider).verify(provider.token("jane", ["viewer"], **claims))  # type: ignore[arg-type]


def test_a_token_signed_by_a_key_outside_the_jwks_is_refused(provider: LocalIdentityProvider
                                                             ) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
    token = provider.token("mallory", ["sre_admin"], key=impostor)
    with pytest.raises(Unauthenticated, match="refused"):
        verifier_for(provider).verify(token)


def test_unsigned_and_garbled_tokens_are_refused(provider: LocalIdentityProvider) -> None:
    import base64
    import json

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    unsigned = (f"{part({'alg': 'none'})}."
                f"{part({'sub': 'mallory', 'iss': ISSUER, 'aud': AUDIENCE, 'exp': 2**40})}.")
    for token in (unsigned, "not-a-token"):
        with pytest.raises(Unauthenticated):
            verifier_for(provider).verify(token)


def test_a_token_without_a_known_role_is_forbidden(provider: LocalIdentityProvider) -> None:
    with pytest.raises(Forbidden, match="holds none of"):
        verifier_for(provider).verify(provider.token("jane", ["offline_access"]))


def test_roles_nested_in_a_claim_are_read_by_path(provider: LocalIdentityProvider) -> None:
    verifier = verifier_for(provider, roles_claim="realm_access.roles")
    token = provider.token("jane", [], realm_access={"roles": ["sre_admin"]})
    assert verifier.verify(token).role is Role.SRE_ADMIN


def test_the_key_set_is_fetched_once_per_cache_period(provider: LocalIdentityProvider) -> None:
    monotonic = Monotonic()
    verifier = verifier_for(provider, monotonic, cache_seconds=300)
    token = provider.token("jane", ["viewer"])
    before = provider.fetches
    for _ in range(5):
        verifier.verify(token)
    assert provider.fetches - before == 1
    monotonic.now += 301
    verifier.verify(token)
    assert provider.fetches - before == 2


def test_a_rotated_key_is_picked_up_by_one_early_refetch(provider: LocalIdentityProvider
                                                         ) -> None:
    monotonic = Monotonic()
    verifier = verifier_for(provider, monotonic)
    verifier.verify(provider.token("jane", ["viewer"]))
    provider.rotate()
    token = provider.token("jane", ["viewer"])  # signed with the new key
    with pytest.raises(Unauthenticated):  # fetched moments ago: no refetch storm
        verifier.verify(token)
    monotonic.now += 31
    assert verifier.verify(token).subject == "jane"


def test_an_unreachable_provider_keeps_the_last_key_set_serving(
        provider: LocalIdentityProvider) -> None:
    monotonic = Monotonic()
    verifier = verifier_for(provider, monotonic, cache_seconds=300)
    token = provider.token("jane", ["viewer"])
    verifier.verify(token)
    provider.available = False
    monotonic.now += 301
    assert verifier.verify(token).subject == "jane"


def test_without_any_key_set_an_unreachable_provider_is_unavailable(
        provider: LocalIdentityProvider) -> None:
    provider.available = False
    with pytest.raises(DependencyUnavailable, match="identity provider"):
        verifier_for(provider).verify(provider.token("jane", ["viewer"]))
