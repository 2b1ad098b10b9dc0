"""`bench discovery`: discovery over a large fleet's telemetry (issue 20, item 6).

graph_discovery_s: one `discover_graph` run (the job's use case, as bootstrap builds it)
over the servicegraph metrics of a synthetic fleet (5,000 services, 50,000 edges by
default) in a real Prometheus, into the embedded FalkorDB: its PromQL, the ingestion of
every edge and the graph analysis after it. Target 30 s. The fleet's last 65 minutes
are written (5-minute steps, as the simulator keeps), so the default one-hour window
sees every edge; the discovered pairs must equal the simulated ones.

sli_discovery_s (target 60 s for 5,000 services): SLI discovery over the same fleet's
requests and latency, written in a mix of naming conventions into the same Prometheus
(bench/sli_discovery_phase.py). `meets_target` needs both phases to meet theirs. The
phases share one event loop: the telemetry client belongs to it and is closed after.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from slo_engine.bench.bench_settings import bench_settings
from slo_engine.bench.evaluate import SettableClock
from slo_engine.bench.sli_discovery_phase import (
    DEADLINE_S,
    LOOKBACK_S,
    sli_discovery,
    write_sli_series,
)
from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.fleet.edge_openmetrics import write_edge_calls
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.process_tuning import tune_garbage_collection
from slo_engine.runtime.prometheus_server import backfill_openmetrics, start_prometheus

TARGET_GRAPH_DISCOVERY_S = 30.0
STEP_S = 300
WRITTEN_STEPS = 14  # 65 minutes: the one-hour window and one step before it


def write_service_graph(graph: dict[str, Any], root: Path, seed: int
                        ) -> tuple[FleetHistory, dict[str, Any]]:
    """The fleet's servicegraph counters (no mesh) backfilled into root/prometheus."""
    end = int(time.time()) // STEP_S * STEP_S
    started = time.perf_counter()
    history = simulate_fleet(graph, 1, end, step_s=STEP_S, seed=seed)
    path = root / "edges.om"
    with path.open("w", encoding="utf-8") as out:
        samples = write_edge_calls(history, out, slice(-WRITTEN_STEPS, None), meshes=())
        out.write("# EOF\n")
    generated = time.perf_counter()
    backfill_openmetrics(path, root / "prometheus")
    path.unlink()
    return history, {"samples": samples, "generate_s": round(generated - started, 1),
                     "backfill_s": round(time.perf_counter() - generated, 1)}


async def _graph_discovery(container: Container, graph: dict[str, Any], runs: int
                           ) -> dict[str, Any]:
    history = container.require_history("the benchmark reads Prometheus")
    durations: list[float] = []
    result: dict[str, Any] = {}
    for _ in range(runs):
        started = time.perf_counter()
        result = await history.discover_graph.run()
        durations.append(time.perf_counter() - started)
    simulated = {(e["source"], e["target"]) for e in graph["edges"]}
    discovered = {(r["source"], r["target"]) for r in container.graph.all_dependencies()}
    median = statistics.median(durations)
    return {"graph_discovery_s": round(median, 3),
            "graph_discovery_s_runs": [round(d, 3) for d in durations],
            "edges_observed": result["edges_observed"],
            "discovered_equals_simulated": discovered == simulated,
            "target_graph_discovery_s": TARGET_GRAPH_DISCOVERY_S,
            "meets_graph_discovery_target": median <= TARGET_GRAPH_DISCOVERY_S
            and discovered == simulated and not result["failed_sources"]}


# Each phase reports its figures and meets_<phase>_target.
PHASES: tuple[Callable[[Container, dict[str, Any], int], Awaitable[dict[str, Any]]], ...] = (
    _graph_discovery, sli_discovery)


async def _run_phases(container: Container, graph: dict[str, Any], runs: int
                      ) -> dict[str, Any]:
    report: dict[str, Any] = {}
    try:
        for phase in PHASES:
            report.update(await phase(container, graph, runs))
    finally:
        await container.require_history("the benchmark reads Prometheus").telemetry.close()
    return report


def bench_discovery(services: int, edges: int, runs: int, seed: int = 11) -> dict[str, Any]:
    tune_garbage_collection()
    graph = synthetic_graph(services, edges, seed=seed, source="manual")
    report: dict[str, Any] = {"benchmark": "discovery", "services": services,
                              "edges": len(graph["edges"]), "runs": runs}
    with tempfile.TemporaryDirectory() as state:
        root = Path(state)
        history, timings = write_service_graph(graph, root, seed)
        report.update(timings)
        report.update(write_sli_series(history, graph, root, slice(-WRITTEN_STEPS, None)))
        prometheus = start_prometheus(root / "prometheus")
        end_ms = (history.start_s + (history.steps - 1) * history.step_s) * 1000
        container = bootstrap(bench_settings(state_dir=root, prometheus_url=prometheus.url,
                                             prometheus_timeout_seconds=120.0,
                                             sli_discovery_lookback_seconds=LOOKBACK_S,
                                             sli_discovery_deadline_seconds=DEADLINE_S),
                              SettableClock(end_ms))
        try:
            report.update(asyncio.run(_run_phases(container, graph, runs)))
        finally:
            container.close()
            prometheus.stop()
    verdicts = [v for k, v in report.items() if k.startswith("meets_") and v is not None]
    report["meets_target"] = bool(verdicts) and all(verdicts)
    return report
