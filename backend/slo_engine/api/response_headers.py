"""Headers every response carries: browser hardening (OWASP secure headers) and, when the
request drew from a rate-limit bucket, the bucket's state (TRD FR-8)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slo_engine.domain.rate_limit import RateDecision

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# The API serves JSON only; the interactive docs load Swagger UI / ReDoc from a CDN.
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
DOC_PATHS = ("/docs", "/redoc")


def rate_limit_headers(decision: RateDecision) -> list[tuple[bytes, bytes]]:
    return [(b"x-ratelimit-limit", str(decision.limit_per_minute).encode()),
            (b"x-ratelimit-remaining", str(decision.remaining).encode()),
            (b"x-ratelimit-reset", str(decision.reset_s).encode())]


class ResponseHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        documentation = scope["path"].startswith(DOC_PATHS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                if not documentation:
                    headers.append(API_CSP)
                if not any(name == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                decision = state.get("rate_limit")
                if decision is not None:
                    headers.extend(rate_limit_headers(decision))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
