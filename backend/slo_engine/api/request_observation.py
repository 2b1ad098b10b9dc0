"""Every request gets an id (the caller's X-Request-ID when it is sane, else a new one),
returned in the response, carried by every log line, counted in the metrics and logged
once when answered."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from slo_engine.adapters.engine_metrics import EngineMetrics
from slo_engine.runtime.log_format import request_id

log = logging.getLogger("slo_engine.access")
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
QUIET_PATHS = ("/api/v1/health", "/metrics")  # probes and scrapes: logged at DEBUG


def _request_id(scope: Scope) -> str:
    given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
    return given if _SANE_ID.match(given) else uuid.uuid4().hex


def endpoint_label(scope: Scope) -> str:
    """The route template, so /services/a and /services/b are one series."""
    route = scope.get("route")
    return str(getattr(route, "path", "unmatched"))


class RequestObservation:
    def __init__(self, app: ASGIApp, metrics: EngineMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        current = _request_id(scope)
        token = request_id.set(current)
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception escaped every handler

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"x-request-id", current.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe_request(scope["method"], endpoint_label(scope), status,
                                         elapsed)
            self._log(scope, status, elapsed)
            request_id.reset(token)

    def _log(self, scope: Scope, status: int, elapsed: float) -> None:
        path = scope["path"]
        level = logging.DEBUG if path.startswith(QUIET_PATHS) and status < 500 else (
            logging.WARNING if status >= 500 else logging.INFO)
        principal = scope.get("state", {}).get("principal")
        log.log(level, "%s %s %s", scope["method"], path, status, extra={
            "method": scope["method"], "path": path, "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "principal": getattr(principal, "subject", None),
            "end_user": getattr(principal, "end_user", None)})
