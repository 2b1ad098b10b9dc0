"""Verifying OIDC access tokens against the identity provider's JWKS (TRD SEC-003).

Signature, `exp`, `iss` and `aud` are checked with joserfc. The key set is fetched over
HTTP and kept for `cache_seconds` (5 minutes); a token signed with a key id we have not
seen makes one early refetch (the provider rotated its keys), at most every 30 seconds.
When the provider cannot be reached, the last key set keeps serving.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from slo_engine.domain.access import CredentialKind, Principal, strongest_role
from slo_engine.domain.errors import DependencyUnavailable, Forbidden, Unauthenticated

# Asymmetric algorithms only: "none" and shared-secret HS* would let anyone holding the
# public key set forge tokens.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
              "EdDSA")
REFETCH_AFTER_UNKNOWN_KID_S = 30.0


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    audience: str
    jwks_url: str
    roles_claim: str = "roles"               # dotted paths reach nested claims
    teams_claims: tuple[str, ...] = ("groups", "team")
    subject_claim: str = "sub"
    cache_seconds: float = 300.0
    leeway_s: int = 30


def claim(claims: dict[str, Any], path: str) -> Any:
    """`realm_access.roles` -> claims["realm_access"]["roles"] (Keycloak nests roles)."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


class JwksTokenVerifier:
    def __init__(self, config: OidcConfig, http: httpx.Client | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._http = http or httpx.Client(timeout=5.0)
        self._monotonic = monotonic
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        claims = self._verified_claims(token)
        return self._principal(claims)

    def close(self) -> None:
        self._http.close()

    def _verified_claims(self, token: str) -> dict[str, Any]:
        keys = self._key_set(refresh=False)
        try:
            try:
                decoded = jwt.decode(token, keys, algorithms=list(ALGORITHMS))
            except InvalidKeyIdError:
                if self._monotonic() - self._fetched_at < REFETCH_AFTER_UNKNOWN_KID_S:
                    raise
                decoded = jwt.decode(token, self._key_set(refresh=True),
                                     algorithms=list(ALGORITHMS))
            registry = jwt.JWTClaimsRegistry(
                leeway=self.config.leeway_s, exp={"essential": True},
                iss={"essential": True, "value": self.config.issuer},
                aud={"essential": True, "value": self.config.audience})
            registry.validate(decoded.claims)
        except ExpiredTokenError:
            raise Unauthenticated("The bearer token has expired; get a new one from your "
                                  "identity provider.") from None
        except (JoseError, ValueError) as error:
            raise Unauthenticated(f"The bearer token was refused ({error}); send an access "
                                  f"token issued by {self.config.issuer} for audience "
                                  f"{self.config.audience}.") from None
        return dict(decoded.claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        subject = claim(claims, self.config.subject_claim) or claims.get("sub")
        if not subject:
            raise Unauthenticated(f"The bearer token names no subject "
                                  f"('{self.config.subject_claim}' claim).")
        roles = _strings(claim(claims, self.config.roles_claim))
        role = strongest_role(roles)
        if role is None:
            raise Forbidden(f"The token's '{self.config.roles_claim}' claim holds none of "
                            "sre_admin, service_owner, viewer; ask your identity provider's "
                            "administrator to grant one.")
        teams = {t for path in self.config.teams_claims for t in _strings(claim(claims, path))}
        return Principal(str(subject), role, frozenset(teams), CredentialKind.USER)

    def _fetch_jwks(self) -> Any:
        url = self.config.jwks_url
        if url.startswith("file://"):  # a key set on disk: air-gapped sites, the demo
            return json.loads(Path(url.removeprefix("file://")).read_text())
        response = self._http.get(url)
        response.raise_for_status()
        return response.json()

    def _key_set(self, refresh: bool) -> KeySet:
        with self._lock:
            age = self._monotonic() - self._fetched_at
            if self._keys is not None and not refresh and age < self.config.cache_seconds:
                return self._keys
            try:
                self._keys = KeySet.import_key_set(self._fetch_jwks())
                self._fetched_at = self._monotonic()
            except (httpx.HTTPError, OSError, ValueError, JoseError) as error:
                if self._keys is None:
                    raise DependencyUnavailable("identity provider", str(error)) from error
                # keep the last key set; try again after another cache period
                self._fetched_at = self._monotonic()
            return self._keys
