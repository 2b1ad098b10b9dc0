"""The ApiKeyStore port over any CypherRunner."""

from __future__ import annotations

from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import Row
from slo_engine.domain.access import Role
from slo_engine.domain.api_key import ApiKeyRecord

API_KEY_QUERIES = ["api_keys/create_api_key", "api_keys/get_api_key",
                   "api_keys/list_api_keys", "api_keys/revoke_api_key"]


def _record(row: Row) -> ApiKeyRecord:
    revoked = row["revoked_at"]
    return ApiKeyRecord(row["key_id"], row["name"], Role(row["role"]),
                        tuple(row["teams"] or ()), row["secret_hash"], row["created_by"],
                        int(row["created_at"]), None if revoked is None else int(revoked),
                        bool(row["acts_for_end_users"]))  # unset on keys issued before


class GraphApiKeys:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner

    def create_api_key(self, record: ApiKeyRecord) -> None:
        self._runner.write("api_keys/create_api_key", key_id=record.key_id,
                           key_name=record.name, role=record.role.value,
                           teams=list(record.teams), secret_hash=record.secret_hash,
                           created_by=record.created_by, now=record.created_at_ms,
                           acts_for_end_users=record.acts_for_end_users)

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        rows = self._runner.read("api_keys/get_api_key", key_id=key_id)
        return _record(rows[0]) if rows else None

    def list_api_keys(self) -> list[ApiKeyRecord]:
        return [_record(row) for row in self._runner.read("api_keys/list_api_keys")]

    def revoke_api_key(self, key_id: str, now_ms: int) -> bool:
        return bool(self._runner.write("api_keys/revoke_api_key", key_id=key_id, now=now_ms))
