"""A stand-in identity provider for `serve --demo`: a signing key kept under the state
directory, its public half as a JWKS file the API trusts, and tokens for the people a
demo user wants to act as. Never used outside demo mode."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import RSAKey

DEMO_ISSUER = "https://demo-identity.slo-engine.local"
DEMO_AUDIENCE = "slo-engine"


@dataclass(frozen=True)
class DemoIdentity:
    directory: Path

    @property
    def jwks_url(self) -> str:
        return f"file://{self.directory / 'jwks.json'}"

    def signing_key(self) -> RSAKey:
        private = self.directory / "signing-key.json"
        if not private.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            key = RSAKey.generate_key(2048, parameters={"kid": "demo-1", "use": "sig"})
            private.write_text(json.dumps(key.as_dict(private=True)))
            os.chmod(private, 0o600)
            (self.directory / "jwks.json").write_text(
                json.dumps({"keys": [key.as_dict(private=False)]}))
        return RSAKey.import_key(json.loads(private.read_text()))

    def token(self, subject: str, roles: list[str], teams: list[str], hours: float) -> str:
        now = int(time.time())
        claims = {"iss": DEMO_ISSUER, "aud": DEMO_AUDIENCE, "sub": subject, "iat": now,
                  "exp": now + int(hours * 3600), "roles": roles, "groups": teams}
        key = self.signing_key()
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)


def demo_identity(state_dir: Path) -> DemoIdentity:
    return DemoIdentity(state_dir / "demo-identity")
