"""The ApiKeyStore contract on every backend and on its in-memory fake, and API key
verification over it."""

from __future__ import annotations

import pytest

from slo_engine.adapters.bcrypt_hasher import BcryptHasher
from slo_engine.application.api_keys import ApiKeys
from slo_engine.application.ports import ApiKeyStore
from slo_engine.domain.access import CredentialKind, Role
from slo_engine.domain.api_key import ApiKeyRecord
from slo_engine.domain.errors import Unauthenticated
from tests.fakes import Monotonic, TickingClock


def test_a_stored_key_reads_back_whole_and_lists_oldest_first(
        api_key_store: ApiKeyStore) -> None:
    store = api_key_store
    first = ApiKeyRecord("aaaaaaaaaaaa", "backstage", Role.VIEWER, ("payments", "search"),
                         "$2b$12$hash", "admin", 10)
    second = ApiKeyRecord("bbbbbbbbbbbb", "ci", Role.SRE_ADMIN, (), "$2b$12$other", "admin", 20)
    store.create_api_key(second)
    store.create_api_key(first)
    assert store.get_api_key("aaaaaaaaaaaa") == first
    assert store.get_api_key("cccccccccccc") is None
    assert store.list_api_keys() == [first, second]


def test_revoking_stamps_the_key_once(
        api_key_store: ApiKeyStore) -> None:
    store = api_key_store
    store.create_api_key(ApiKeyRecord("aaaaaaaaaaaa", "ci", Role.VIEWER, (), "h", "admin", 10))
    assert store.revoke_api_key("aaaaaaaaaaaa", 50) is True
    assert store.revoke_api_key("aaaaaaaaaaaa", 60) is False
    assert store.revoke_api_key("missing00000", 60) is False
    record = store.get_api_key("aaaaaaaaaaaa")
    assert record is not None
    assert (record.revoked, record.revoked_at_ms) == (True, 50)


def test_an_issued_key_verifies_and_only_its_bcrypt_hash_is_stored(
        api_key_store: ApiKeyStore) -> None:
    store = api_key_store
    keys = ApiKeys(store, TickingClock(), hasher=BcryptHasher(12))
    raw, record = keys.issue("backstage", Role.SERVICE_OWNER, ("payments",), "admin")
    stored = store.get_api_key(raw.key_id)
    assert stored == record
    assert stored.secret_hash.startswith("$2b$12$")
    assert raw.secret not in stored.secret_hash
    principal = keys.verify(str(raw))
    assert (principal.subject, principal.role, principal.teams, principal.kind) == (
        f"api-key:{raw.key_id}", Role.SERVICE_OWNER, frozenset({"payments"}),
        CredentialKind.API_KEY)


def test_a_wrong_secret_an_unknown_id_and_a_malformed_key_are_refused(
        api_key_store: ApiKeyStore) -> None:
    keys = ApiKeys(api_key_store, TickingClock(), hasher=BcryptHasher(4))
    raw, _ = keys.issue("ci", Role.VIEWER, (), "admin")
    forged = f"sloe_{raw.key_id}_{'x' * 43}"
    unknown = f"sloe_0123456789ab_{raw.secret}"
    for text, message in ((forged, "unknown or revoked"), (unknown, "unknown or revoked"),
                          ("hunter2", "not an SLO engine key")):
        with pytest.raises(Unauthenticated, match=message):
            keys.verify(text)


def test_a_verified_key_is_remembered_until_the_cache_period_ends(
        api_key_store: ApiKeyStore) -> None:
    store, monotonic = api_key_store, Monotonic()
    keys = ApiKeys(store, TickingClock(), hasher=BcryptHasher(4), cache_seconds=60,
                   monotonic=monotonic)
    other = ApiKeys(store, TickingClock(), hasher=BcryptHasher(4), cache_seconds=60,
                    monotonic=monotonic)  # a second API replica
    raw, _ = keys.issue("ci", Role.VIEWER, (), "admin")
    assert not keys.is_remembered(str(raw))
    keys.verify(str(raw))
    other.verify(str(raw))
    assert keys.is_remembered(str(raw))
    assert keys.revoke(raw.key_id) is True
    with pytest.raises(Unauthenticated):  # this replica forgets at once
        keys.verify(str(raw))
    other.verify(str(raw))  # the other one trusts its memory for the cache period
    monotonic.now = 61.0
    with pytest.raises(Unauthenticated, match="unknown or revoked"):
        other.verify(str(raw))


def test_a_key_needs_a_name(
        api_key_store: ApiKeyStore) -> None:
    from slo_engine.domain.errors import InvalidInput

    keys = ApiKeys(api_key_store, TickingClock(), hasher=BcryptHasher(4))
    with pytest.raises(InvalidInput, match="needs a name"):
        keys.issue("  ", Role.VIEWER, (), "admin")


def test_bcrypt_runs_once_per_key_even_for_concurrent_first_uses_and_expired_memories(
        api_key_store: ApiKeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import bcrypt

    checks = []
    real_checkpw = bcrypt.checkpw

    def counted_checkpw(secret: bytes, hashed: bytes) -> bool:
        checks.append(1)
        return real_checkpw(secret, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counted_checkpw)
    monotonic = Monotonic()
    keys = ApiKeys(api_key_store, TickingClock(), hasher=BcryptHasher(10),
                   cache_seconds=60, monotonic=monotonic)
    raw, _ = keys.issue("ci", Role.VIEWER, (), "admin")
    subjects: list[str] = []
    threads = [threading.Thread(target=lambda: subjects.append(keys.verify(str(raw)).subject))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert subjects == [f"api-key:{raw.key_id}"] * 8
    monotonic.now = 61.0  # past the cache period: the record is read again, bcrypt is not
    assert keys.verify(str(raw)).subject == f"api-key:{raw.key_id}"
    assert len(checks) == 1


def test_an_adopted_key_verifies_and_adopting_it_again_or_after_revocation_changes_nothing(
        api_key_store: ApiKeyStore) -> None:
    keys = ApiKeys(api_key_store, TickingClock(), hasher=BcryptHasher(4))
    text = f"sloe_0123456789ab_{'s' * 48}"
    record = keys.adopt(text, "helm-bootstrap", Role.SRE_ADMIN, "slo-engine apikey import")
    assert record is not None
    assert (record.key_id, record.name, record.role, record.teams) == (
        "0123456789ab", "helm-bootstrap", Role.SRE_ADMIN, ())
    assert "s" * 48 not in record.secret_hash
    assert keys.verify(text).subject == "api-key:0123456789ab"
    assert keys.adopt(text, "other", Role.VIEWER, "again") is None
    assert api_key_store.get_api_key("0123456789ab") == record
    keys.revoke("0123456789ab")
    assert keys.adopt(text, "helm-bootstrap", Role.SRE_ADMIN, "upgrade") is None
    stored = api_key_store.get_api_key("0123456789ab")
    assert stored is not None
    assert stored.revoked


def test_adopting_text_that_is_not_a_key_is_refused_without_repeating_it(
        api_key_store: ApiKeyStore) -> None:
    from slo_engine.domain.errors import InvalidInput

    keys = ApiKeys(api_key_store, TickingClock(), hasher=BcryptHasher(4))
    with pytest.raises(InvalidInput) as refused:
        keys.adopt("hunter2-secret", "helm-bootstrap", Role.SRE_ADMIN, "import")
    assert "hunter2" not in str(refused.value)
    assert "hunter2" not in str(refused.value.problems)
    assert api_key_store.list_api_keys() == []
