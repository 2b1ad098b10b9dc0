"""A long simulated history into Prometheus in time slices: slice k + 1 is written while
`promtool` turns the ones before it into blocks, so writing (Python) and backfilling (Go)
overlap, up to `concurrent` promtool processes at once on a machine with the cores."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from slo_engine.fleet.simulation import FleetHistory
from slo_engine.runtime.processes import stop_process
from slo_engine.runtime.prometheus_server import start_backfill

STOP_GRACE_S = 10.0

# Writes the given steps of a history as OpenMetrics at a path; returns the samples.
SliceWriter = Callable[[FleetHistory, Path, slice], int]


@dataclass(frozen=True)
class BackfillSummary:
    samples: int
    history_mb: int
    write_s: float
    backfill_s: float  # promtool's wall time from its first start to its last finish


def time_slices(steps: int, count: int) -> list[slice]:
    """`count` adjacent, near-equal stretches covering steps 0..steps-1 (none empty)."""
    count = max(1, min(count, steps))
    bounds = [k * steps // count for k in range(count + 1)]
    return [slice(bounds[k], bounds[k + 1]) for k in range(count)]


def write_and_backfill(history: FleetHistory, root: Path, prometheus_dir: Path,
                       write: SliceWriter, slices: int = 2, concurrent: int = 1
                       ) -> BackfillSummary:
    """Every slice written to `root` and backfilled into `prometheus_dir` (before the
    server starts); each file is deleted once it is in. Slices cover disjoint times, so
    their blocks are adjacent, not overlapping."""
    samples, size, write_s, backfill_started = 0, 0, 0.0, 0.0
    running: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        for k, steps in enumerate(time_slices(history.steps, slices)):
            path = root / f"fleet-{k}.om"
            started = time.perf_counter()
            samples += write(history, path, steps)
            write_s += time.perf_counter() - started
            size += path.stat().st_size
            while len(running) >= concurrent:
                _finish_oldest(running, prometheus_dir)
            running.append((start_backfill(path, prometheus_dir), path))
            backfill_started = backfill_started or time.perf_counter()
        while running:
            _finish_oldest(running, prometheus_dir)
    except BaseException:
        for process, _ in running:
            stop_process(process, STOP_GRACE_S)
        raise
    return BackfillSummary(samples, round(size / 1e6), write_s,
                           round(time.perf_counter() - backfill_started, 1))


def _finish_oldest(running: list[tuple[subprocess.Popen[bytes], Path]],
                   prometheus_dir: Path) -> None:
    """Wait for the oldest backfill; it stays listed until it is in, so an interruption
    while waiting still stops it."""
    process, path = running[0]
    if process.wait() != 0:
        log = prometheus_dir / "backfill.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"promtool could not backfill {path.name}:\n{tail}")
    path.unlink()
    running.pop(0)
