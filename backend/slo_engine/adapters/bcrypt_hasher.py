"""API-key secrets hashed with bcrypt (cost 12 by default: a quarter of a second by
design, paid once per key and process; application/api_keys.py remembers a key that
verified)."""

from __future__ import annotations

import bcrypt


class BcryptHasher:
    def __init__(self, rounds: int = 12) -> None:
        self._rounds = rounds

    def hash(self, secret: str) -> str:
        return bcrypt.hashpw(secret.encode(), bcrypt.gensalt(self._rounds)).decode()

    def matches(self, secret: str, digest: str) -> bool:
        return bcrypt.checkpw(secret.encode(), digest.encode())
