"""A simulated fleet on disk: history (OpenMetrics), ground-truth events, its topology."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.runtime.prometheus_server import backfill_openmetrics

HISTORY = "history.om"
EVENTS = "events.json"
TOPOLOGY = "topology.json"


def simulate_to_directory(topology: dict[str, Any], days: int, out: Path, seed: int,
                          end_s: int | None = None) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    end = end_s if end_s is not None else int(time.time()) // 300 * 300
    started = time.perf_counter()
    history = simulate_fleet(topology, days, end, seed=seed)
    simulated = time.perf_counter()
    samples = write_openmetrics(history, out / HISTORY)
    written = time.perf_counter()
    (out / EVENTS).write_text(json.dumps([asdict(e) for e in history.events], indent=1))
    (out / TOPOLOGY).write_text(json.dumps(topology))
    return {
        "services": len(history.services), "days": days, "steps": history.steps,
        "samples": samples, "history_mb": round((out / HISTORY).stat().st_size / 1e6, 1),
        "incidents": sum(e.kind == "incident" for e in history.events),
        "regressions": sum(e.kind == "regression" for e in history.events),
        "simulate_s": round(simulated - started, 2), "write_s": round(written - simulated, 2),
        "end": end,
    }


def load_directory(fleet_dir: Path, prometheus_dir: Path) -> dict[str, Any]:
    """Backfill a simulated fleet into the data directory of the embedded Prometheus."""
    history = fleet_dir / HISTORY
    if not history.is_file():
        raise FileNotFoundError(f"{history} does not exist; run `slo-engine fleet simulate` first")
    started = time.perf_counter()
    backfill_openmetrics(history, prometheus_dir)
    return {"prometheus_dir": str(prometheus_dir),
            "backfill_s": round(time.perf_counter() - started, 2)}


DEMO_MARKER = "demo-history.json"


def ensure_demo_history(topology: dict[str, Any], state_dir: Path, days: int,
                        seed: int = 7) -> dict[str, Any] | None:
    """First start of the demo: simulate the demo fleet and backfill it into the embedded
    Prometheus's data directory (before that server starts). Later starts keep it."""
    marker = state_dir / DEMO_MARKER
    if marker.exists():
        return None
    summary = simulate_to_directory(topology, days, state_dir / "demo-fleet", seed)
    summary.update(load_directory(state_dir / "demo-fleet", state_dir / "prometheus"))
    (state_dir / "demo-fleet" / HISTORY).unlink()  # in Prometheus now; it is large
    marker.write_text(json.dumps(summary))
    return summary
