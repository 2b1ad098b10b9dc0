"""Refuses request bodies over the configured size, or holding text no graph store can
keep (NUL characters, unpaired UTF-16 surrogates), before anything parses or writes them:
a multi-statement write must not fail half-way on its last value.

The body is buffered here (at most the limit) and replayed to the app: an error raised
from inside the app's own body reading would be turned into a generic 400 by FastAPI.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slo_engine.api.problems import BodyTooLarge, UnstorableText, too_large, unstorable_text

# A raw NUL, an escaped one, a high surrogate escape not followed by a low one, or a low
# surrogate escape not preceded by a high one.
_HIGH, _LOW = rb"\\u[dD][89abAB][0-9a-fA-F]{2}", rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
UNSTORABLE_TEXT = re.compile(rb"\x00|\\u0000|" + _HIGH + rb"(?!" + _LOW + rb")|(?<!"
                             + _HIGH + rb")" + _LOW)


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if UNSTORABLE_TEXT.search(body):
            await self._refuse_text(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _refuse_text(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await unstorable_text(Request(scope, receive), UnstorableText())
        await response(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await too_large(Request(scope, receive), BodyTooLarge(self.max_bytes))
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: disconnects

    return replay
