"""How receivers can trust an engine webhook: an HMAC-SHA256 over the timestamp and the
exact body bytes, in the style of Stripe's and Slack's signatures. Signing the timestamp
lets a receiver refuse replays of an old delivery."""

from __future__ import annotations

import hashlib
import hmac

SCHEME = "sha256"


def signature(secret: str, timestamp_s: int, body: bytes) -> str:
    """`sha256=<hex>` of HMAC(secret, "<timestamp>." + body)."""
    message = str(timestamp_s).encode() + b"." + body
    return f"{SCHEME}={hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()}"


def verify(secret: str, timestamp_s: int, body: bytes, header: str) -> bool:
    """What a receiver does (and what the tests do): a constant-time comparison."""
    return hmac.compare_digest(signature(secret, timestamp_s, body), header)
