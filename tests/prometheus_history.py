"""A real Prometheus serving history that a test wrote as OpenMetrics files."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from slo_engine.runtime.processes import ServerProcess
from slo_engine.runtime.prometheus_server import backfill_openmetrics, start_prometheus


@contextlib.contextmanager
def prometheus_holding(openmetrics_files: list[Path], data_dir: Path
                       ) -> Iterator[ServerProcess]:
    """Backfill every file into data_dir, serve it, and stop the server afterwards."""
    for openmetrics_file in openmetrics_files:
        backfill_openmetrics(openmetrics_file, data_dir)
    server = start_prometheus(data_dir)
    try:
        yield server
    finally:
        server.stop()
