"""API keys for service-to-service callers (TRD FR-8, SEC-002).

A key reads `sloe_<key id>_<secret>`. The key id is public and indexes the stored record;
only a bcrypt hash of the secret is stored, so the raw key exists once: when it is issued.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from slo_engine.domain.access import Role

PREFIX = "sloe"
_KEY = re.compile(rf"^{PREFIX}_(?P<key_id>[0-9a-f]{{12}})_(?P<secret>[A-Za-z0-9_-]{{32,64}})$")


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    name: str
    role: Role
    teams: tuple[str, ...]
    secret_hash: str
    created_by: str
    created_at_ms: int
    revoked_at_ms: int | None = None
    # A portal's backend key (Backstage): may name the person it calls for, who then
    # gets a rate-limit bucket of their own and appears in logs and the audit trail.
    acts_for_end_users: bool = False

    @property
    def revoked(self) -> bool:
        return self.revoked_at_ms is not None


@dataclass(frozen=True)
class RawApiKey:
    key_id: str
    secret: str

    def __str__(self) -> str:
        return f"{PREFIX}_{self.key_id}_{self.secret}"


def new_raw_key() -> RawApiKey:
    return RawApiKey(secrets.token_hex(6), secrets.token_urlsafe(32))


def parse_raw_key(text: str) -> RawApiKey | None:
    match = _KEY.match(text.strip())
    return RawApiKey(match["key_id"], match["secret"]) if match else None
