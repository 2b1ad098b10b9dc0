"""Serving the API with uvicorn, in the foreground (`serve`) or on a thread (benchmarks)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn

from slo_engine.api.app import create_app
from slo_engine.domain.access import Role
from slo_engine.runtime.bootstrap import Container
from slo_engine.runtime.processes import free_port


@dataclass(frozen=True)
class RunningApi:
    base_url: str
    container: Container
    api_key: str  # an sre_admin key issued for this run

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.api_key}


@contextlib.contextmanager
def api_on_thread(container: Container, port: int | None = None) -> Iterator[RunningApi]:
    """uvicorn on a loopback socket in this process; stopped on exit."""
    raw_key, _ = container.api_keys.issue("api-on-thread", Role.SRE_ADMIN, (), "runtime")
    port = port or free_port()
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=port,
                            log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        time.sleep(0.01)
    try:
        yield RunningApi(f"http://127.0.0.1:{port}", container, str(raw_key))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
