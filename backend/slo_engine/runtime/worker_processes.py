"""Background workers (and the scheduler) as child processes of `serve`, for `make run`:
they join the servers the API started, and stop when it stops."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from slo_engine.runtime.child_process import spawn
from slo_engine.runtime.processes import ServerProcess, stop_process

log = logging.getLogger(__name__)

# A worker finishes its current job on SIGTERM (RQ's warm shutdown); give it this long.
STOP_GRACE_S = 30.0


@dataclass
class ChildProcess:
    role: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if not stop_process(self.process, STOP_GRACE_S):
            log.warning("%s pid %s did not stop in %.0f s: killed", self.role,
                        self.process.pid, STOP_GRACE_S)


def server_environment(servers: list[ServerProcess]) -> dict[str, str]:
    """The URLs of the servers this process started, as the children's settings read them."""
    variables = {"falkordb": "FALKORDB_URL", "redis": "REDIS_URL",
                 "prometheus": "PROMETHEUS_URL"}
    return {variables[s.name]: s.url for s in servers if s.name in variables}


def start_children(workers: int, scheduler: bool, servers: list[ServerProcess],
                   settings_file: Path | None, log_dir: Path | None = None
                   ) -> list[ChildProcess]:
    """Children share this process's output, or each writes `<role>.log` into log_dir."""
    environment = {**os.environ, **server_environment(servers)}
    extra = ["--settings-file", str(settings_file)] if settings_file else []
    roles = [f"worker-{k + 1}" for k in range(workers)] + (["scheduler"] if scheduler else [])
    children = []
    for role in roles:
        command = "scheduler" if role == "scheduler" else "worker"
        with contextlib.ExitStack() as files:
            output = (files.enter_context((log_dir / f"{role}.log").open("wb"))
                      if log_dir else None)
            process = spawn(
                [sys.executable, "-m", "slo_engine.cli", command, *extra],
                env=environment, stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT if output else None)
        log.info("%s started, pid %s", role, process.pid)
        children.append(ChildProcess(role, process))
    return children


def stop_children(children: list[ChildProcess]) -> None:
    for child in children:  # signal all first: they wind down in parallel
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    for child in children:
        child.stop()
