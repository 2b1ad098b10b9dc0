"""What the access check of every route is built from: credentials verified, buckets
drawn from, and the limits that apply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slo_engine.application.api_keys import ApiKeys
from slo_engine.application.ports import RateLimiter, TokenVerifier


@dataclass(frozen=True)
class AccessGate:
    api_keys: ApiKeys
    rate_limits: RateLimiter
    limits_per_minute: Mapping[str, int]  # by endpoint group
    end_user_ceiling_multiplier: int
    oidc: TokenVerifier | None = None  # bearer tokens only with an identity provider
