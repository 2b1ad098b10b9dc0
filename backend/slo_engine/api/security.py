"""Who is calling, may they, and have they called too often: one dependency per route.

    @router.get(..., dependencies=[access(Action.READ, "services")])

authenticates the API key or bearer token, draws a token from the caller's bucket for
that endpoint group (429 when empty), then applies the role rules of domain.access.

A portal's key (Backstage's backend calls for all of its users with one key) may name
the person it calls for in `X-End-User`: that person gets a bucket of their own, and the
key as a whole a ceiling of `end_user_key_ceiling_multiplier` times the group's limit.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from slo_engine.api.access_gate import AccessGate
from slo_engine.api.wiring import Catalogue, Gate
from slo_engine.domain.access import END_USER_HEADER, Action, Principal, Role, authorize
from slo_engine.domain.api_key import parse_raw_key
from slo_engine.domain.errors import Forbidden, InvalidInput, RateLimited, Unauthenticated

# bcrypt work an attacker can make us do by guessing one key's secret: a legitimate client
# verifies once per cache period, so this never bites it.
VERIFICATIONS_PER_KEY_PER_MINUTE = 20

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description=(
    "A service key (`slo-engine apikey create`)"))
bearer = HTTPBearer(auto_error=False, description=(
    "An OIDC access token of a person (needed to accept, modify or reject)"))

ApiKey = Annotated[str | None, Security(api_key_header)]
Bearer = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
END_USER = re.compile(r"^[A-Za-z0-9._@:/+=-]{1,200}$")
EndUser = Annotated[str | None, Header(alias=END_USER_HEADER, description=(
    "The person a portal key calls for (a key issued with --acts-for-end-users), e.g. "
    "Backstage's user:default/jane.doe"))]


def access(action: Action, rate_group: str, service_scoped: bool = False) -> Any:
    """A route dependency; `service_scoped` checks team ownership of {service_id}."""

    def check(request: Request, gate: Gate, catalogue: Catalogue, api_key: ApiKey,
              credentials: Bearer, end_user: EndUser = None) -> Principal:
        principal = authenticate(gate, api_key, credentials)
        request.state.principal = principal
        if end_user is not None:
            try:
                principal = principal.for_end_user(_checked_end_user(end_user))
            except (Forbidden, InvalidInput):
                limit_rate(request, gate, principal.bucket, rate_group)  # throttled too
                raise
            request.state.principal = principal
        limit_rate(request, gate, principal.bucket, rate_group)
        if principal.end_user is not None:
            # Only what the person's bucket let through spends the key's ceiling (its own
            # bucket name: the key's plain bucket holds 1x the limit, this one 50x).
            limit_rate(request, gate, f"{principal.kind}:{principal.subject}:ceiling",
                       rate_group, gate.end_user_ceiling_multiplier)
        team = None  # only a service owner's decision depends on whose service it is
        if service_scoped and principal.role is Role.SERVICE_OWNER:
            team = catalogue.team_of(request.path_params.get("service_id", ""))
        authorize(principal, action, team)
        return principal

    return Depends(check)


def authenticate(gate: AccessGate, api_key: str | None,
                 credentials: HTTPAuthorizationCredentials | None) -> Principal:
    if api_key and credentials:
        raise Unauthenticated("Send one credential, X-API-Key or Authorization: Bearer, "
                              "not both.")
    if credentials is not None:
        if gate.oidc is None:
            raise Unauthenticated("This deployment accepts no bearer tokens (no identity "
                                  "provider is configured: SLO_ENGINE_OIDC_ISSUER, "
                                  "_AUDIENCE, _JWKS_URL); use X-API-Key.")
        return gate.oidc.verify(credentials.credentials)
    if api_key:
        return _verify_api_key(gate, api_key)
    raise Unauthenticated("This endpoint needs a credential: X-API-Key with a service key, "
                          "or Authorization: Bearer with an OIDC access token.")


def _verify_api_key(gate: AccessGate, api_key: str) -> Principal:
    raw = parse_raw_key(api_key)
    if raw is not None and not gate.api_keys.is_remembered(api_key):
        verifications = gate.rate_limits.take(f"api-key-verification:{raw.key_id}",
                                              VERIFICATIONS_PER_KEY_PER_MINUTE)
        if not verifications.allowed:
            raise RateLimited(verifications.limit_per_minute, verifications.retry_after_s,
                              verifications.reset_s)
    return gate.api_keys.verify(api_key)


def _checked_end_user(value: str) -> str:
    if not END_USER.fullmatch(value):
        raise InvalidInput(f"{END_USER_HEADER} must be 1-200 letters, digits or ._@:/+=- "
                           "(a user id or entity ref, such as user:default/jane.doe).",
                           [{"pointer": f"/headers/{END_USER_HEADER}",
                             "message": "holds characters outside ._@:/+=- letters and "
                                        "digits, or is over 200 long"}])
    return value


def limit_rate(request: Request, gate: AccessGate, bucket: str, group: str,
               multiplier: int = 1) -> None:
    limit = gate.limits_per_minute[group] * multiplier
    decision = gate.rate_limits.take(f"{group}:{bucket}", limit)
    request.state.rate_limit = decision
    if not decision.allowed:
        raise RateLimited(limit, decision.retry_after_s, decision.reset_s)

