"""A real (if tiny) OIDC key publisher for tests: it generates RSA keys, serves their
public halves as a JWKS over HTTP on a loopback port, and signs access tokens."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Sequence
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

ISSUER = "https://idp.test.local/realms/engineering"
AUDIENCE = "slo-engine"


class LocalIdentityProvider:
    def __init__(self) -> None:
        self.keys = [self._new_key("key-1")]
        self.fetches = 0
        self.available = True
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                if not provider.available or self.path != "/jwks":
                    self.send_response(503 if not provider.available else 404)
                    self.end_headers()
                    return
                body = json.dumps({"keys": [k.as_dict(private=False) for k in provider.keys]})
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *_args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @staticmethod
    def _new_key(kid: str) -> RSAKey:
        return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})

    @property
    def jwks_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/jwks"

    def rotate(self) -> None:
        """Publish a new signing key next to the old one (as providers rotate)."""
        self.keys.append(self._new_key(f"key-{len(self.keys) + 1}"))

    def token(self, subject: str, roles: Sequence[str], groups: Sequence[str] = (),
              expires_in_s: int = 3600, key: RSAKey | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "iat": now,
                "exp": now + expires_in_s, "roles": list(roles), "groups": list(groups),
                **claims}
        signer = key or self.keys[-1]
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, body, signer)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
