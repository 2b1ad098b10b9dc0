"""A simulated fleet's history written into a Prometheus data directory, timed: the set-up
the recommendation and load benchmarks share."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet
from slo_engine.runtime.prometheus_server import backfill_openmetrics


def backfill_simulated_history(graph: dict[str, Any], days: int, root: Path, seed: int
                               ) -> tuple[FleetHistory, dict[str, float]]:
    """Simulate `days` up to now and backfill them into root/prometheus (before it starts)."""
    end = int(time.time()) // 300 * 300
    started = time.perf_counter()
    history = simulate_fleet(graph, days, end, seed=seed)
    samples = write_openmetrics(history, root / "fleet.om")
    generated = time.perf_counter()
    backfill_openmetrics(root / "fleet.om", root / "prometheus")
    (root / "fleet.om").unlink()
    return history, {"samples": samples, "generate_s": round(generated - started, 1),
                     "backfill_s": round(time.perf_counter() - generated, 1)}
