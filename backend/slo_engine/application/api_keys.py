"""Issuing, verifying and revoking API keys (TRD FR-8, SEC-002).

bcrypt at cost 12 takes a quarter of a second by design, far too long to pay per request.
So bcrypt runs once per key and process: a key that verified is remembered by a SHA-256
of the raw key (never the key itself). After `cache_seconds` the stored record is read
again (one indexed lookup, no bcrypt) so a revocation reaches every API replica within
that time. Concurrent first uses of one key wait for a single bcrypt check.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slo_engine.application.ports import ApiKeyStore, Clock, SecretHasher
from slo_engine.domain.access import CredentialKind, Principal, Role
from slo_engine.domain.api_key import ApiKeyRecord, RawApiKey, new_raw_key, parse_raw_key
from slo_engine.domain.errors import InvalidInput, Unauthenticated

MAX_CACHED_KEYS = 10_000
_REFUSED = "The API key is unknown or revoked; ask an sre_admin for a new one."


@dataclass(frozen=True)
class _Remembered:
    principal: Principal
    key_id: str
    fresh_until: float  # monotonic seconds; then the record is read again


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class ApiKeys:
    def __init__(self, store: ApiKeyStore, clock: Clock, hasher: SecretHasher,
                 cache_seconds: float = 60.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock
        self._hasher = hasher
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._verified: dict[str, _Remembered] = {}
        self._lock = threading.Lock()
        self._first_checks: dict[str, threading.Lock] = {}

    def issue(self, name: str, role: Role, teams: tuple[str, ...], created_by: str,
              acts_for_end_users: bool = False) -> tuple[RawApiKey, ApiKeyRecord]:
        raw = new_raw_key()
        return raw, self._store_key(raw, name, role, teams, created_by, acts_for_end_users)

    def adopt(self, text: str, name: str, role: Role, created_by: str) -> ApiKeyRecord | None:
        """Stores a key made elsewhere (kept in a Kubernetes Secret, say) unless its key id
        is already stored, revoked or not: None then, and the stored record stays as it is."""
        raw = parse_raw_key(text)
        if raw is None:
            raise InvalidInput("The key to import is not an SLO engine key.", [{
                "pointer": "/api_key", "message": "expected sloe_<12 hex digits>_<32 to 64 "
                "characters of A-Z a-z 0-9 _ ->"}])
        if self._store.get_api_key(raw.key_id) is not None:
            return None
        return self._store_key(raw, name, role, (), created_by, False)

    def _store_key(self, raw: RawApiKey, name: str, role: Role, teams: tuple[str, ...],
                   created_by: str, acts_for_end_users: bool) -> ApiKeyRecord:
        if not name.strip():
            raise InvalidInput("An API key needs a name saying who uses it.",
                               [{"pointer": "/name", "message": "must not be blank"}])
        record = ApiKeyRecord(raw.key_id, name.strip(), role, tuple(sorted(set(teams))),
                              self._hasher.hash(raw.secret), created_by, self._clock.now_ms(),
                              acts_for_end_users=acts_for_end_users)
        self._store.create_api_key(record)
        return record

    def is_remembered(self, text: str) -> bool:
        """Whether verifying this key would skip bcrypt (it verified in this process)."""
        return _fingerprint(text) in self._verified

    def verify(self, text: str) -> Principal:
        fingerprint = _fingerprint(text)
        entry = self._verified.get(fingerprint)
        if entry is None:
            with self._first_check_lock(fingerprint):
                try:
                    entry = self._verified.get(fingerprint)
                    if entry is None:
                        return self._verify_with_bcrypt(text, fingerprint)
                finally:
                    self._first_checks.pop(fingerprint, None)
        if entry.fresh_until > self._monotonic():
            return entry.principal
        return self._recheck_revocation(fingerprint, entry)

    def _first_check_lock(self, fingerprint: str) -> threading.Lock:
        with self._lock:
            return self._first_checks.setdefault(fingerprint, threading.Lock())

    def _recheck_revocation(self, fingerprint: str, entry: _Remembered) -> Principal:
        record = self._store.get_api_key(entry.key_id)
        if record is None or record.revoked:
            self._verified.pop(fingerprint, None)
            raise Unauthenticated(_REFUSED)
        self._remember(fingerprint, entry.key_id, entry.principal)
        return entry.principal

    def _verify_with_bcrypt(self, text: str, fingerprint: str) -> Principal:
        raw = parse_raw_key(text)
        if raw is None:
            raise Unauthenticated("X-API-Key is not an SLO engine key (expected "
                                  "sloe_<key id>_<secret>, as `slo-engine apikey create` "
                                  "prints it).")
        record = self._store.get_api_key(raw.key_id)
        if record is None or record.revoked:
            raise Unauthenticated(_REFUSED)
        if not self._hasher.matches(raw.secret, record.secret_hash):
            raise Unauthenticated(_REFUSED)
        principal = Principal(f"api-key:{record.key_id}", record.role,
                              frozenset(record.teams), CredentialKind.API_KEY,
                              record.acts_for_end_users)
        self._remember(fingerprint, record.key_id, principal)
        return principal

    def revoke(self, key_id: str) -> bool:
        revoked = self._store.revoke_api_key(key_id, self._clock.now_ms())
        with self._lock:  # this replica forgets it at once; others within cache_seconds
            self._verified = {k: v for k, v in self._verified.items() if v.key_id != key_id}
        return revoked

    def list_keys(self) -> list[ApiKeyRecord]:
        return self._store.list_api_keys()

    def _remember(self, fingerprint: str, key_id: str, principal: Principal) -> None:
        with self._lock:
            if len(self._verified) >= MAX_CACHED_KEYS:
                self._verified.clear()
            self._verified[fingerprint] = _Remembered(
                principal, key_id, self._monotonic() + self._cache_seconds)
