"""An embedded Prometheus holding backfilled history (Debian's `prometheus` package).

It scrapes nothing: it is a PromQL store for history written as OpenMetrics and turned
into TSDB blocks by promtool before the server starts.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx

from slo_engine.runtime.child_process import run, spawn
from slo_engine.runtime.processes import ServerProcess, free_port, stop_leftover

INSTALL_HINT = "install Debian's prometheus package: apt-get install -y prometheus"
# Backfilled history ends now and reaches back months; keep all of it.
RETENTION = "3650d"


def binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not on PATH; {INSTALL_HINT}")
    return found


def backfill_openmetrics(openmetrics_file: Path, data_dir: Path) -> None:
    """Write TSDB blocks into `data_dir/tsdb` (before the server starts). One block per
    31 days: without --max-block-duration every 2 hours becomes a block and a month of
    history takes minutes instead of about a second."""
    run(_backfill_command(openmetrics_file, data_dir), check=True, capture_output=True,
        timeout=3600)


def start_backfill(openmetrics_file: Path, data_dir: Path) -> subprocess.Popen[bytes]:
    """The same backfill, running while the caller writes the next file; wait for it
    (and check its return code) before the server starts. Errors go to
    `data_dir/backfill.log`."""
    command = _backfill_command(openmetrics_file, data_dir)
    with (data_dir / "backfill.log").open("ab") as log:
        return spawn(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=log)


def _backfill_command(openmetrics_file: Path, data_dir: Path) -> list[str]:
    tsdb = data_dir / "tsdb"
    tsdb.mkdir(parents=True, exist_ok=True)
    return [binary("promtool"), "tsdb", "create-blocks-from", "openmetrics",
            "--max-block-duration=744h", "--quiet", str(openmetrics_file), str(tsdb)]


def start_prometheus(data_dir: Path, timeout_s: float = 120.0,
                     extra_flags: tuple[str, ...] = ()) -> ServerProcess:
    """`extra_flags`: more server flags (say `--query.max-samples=10`, a store whose
    limits refuse the engine's queries)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    stop_leftover(data_dir)
    config = data_dir / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1m\n")
    port = free_port()
    log = (data_dir / "server.log").open("wb")
    process = spawn(
        [binary("prometheus"), f"--config.file={config}",
         f"--storage.tsdb.path={data_dir / 'tsdb'}",
         f"--storage.tsdb.retention.time={RETENTION}",
         f"--web.listen-address=127.0.0.1:{port}", "--web.enable-lifecycle", *extra_flags],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = ServerProcess("prometheus", process, port, data_dir, scheme="http")
    (data_dir / "server.pid").write_text(str(process.pid))
    (data_dir / "server.port").write_text(str(port))
    try:
        _wait_until_ready(server, timeout_s)
    except Exception:
        server.stop()
        raise
    return server


def _wait_until_ready(server: ServerProcess, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = (server.data_dir / "server.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"prometheus exited at start-up:\n{tail}")
        try:
            if httpx.get(f"{server.url}/-/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"prometheus did not become ready within {timeout_s} s")
