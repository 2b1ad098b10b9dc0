"""`bench fleet` (issue 6): SLI aggregation and a full regeneration of recommendations for a
simulated fleet in a real Prometheus, run as background jobs by `slo-engine worker`
processes, started and followed through the API as an SRE would.

Issue targets with 2 workers: aggregation of every service <= 60 s, regeneration <= 5 min.

The history (2 days of 5-minute steps by default) is written in time slices with a few
latency buckets: promtool backfills one slice while the next is written, and each slice
becomes its own TSDB block (adjacent, not overlapping, so Prometheus has nothing to merge).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from slo_engine.bench.bench_settings import bench_settings
from slo_engine.bench.graph_benchmarks import post_and_wait
from slo_engine.bench.load_benchmark import Backends, start_api, start_backends
from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.domain.access import Role
from slo_engine.fleet.openmetrics import write_openmetrics
from slo_engine.fleet.simulation import FleetHistory, simulate_fleet
from slo_engine.fleet.sliced_backfill import write_and_backfill
from slo_engine.runtime.bootstrap import api_key_registry
from slo_engine.runtime.worker_processes import start_children, stop_children

TARGETS = {"aggregation_s": 60, "regeneration_s": 300}
# A few buckets over the simulated fleet's latencies (medians from 2 ms to about 3 s).
FLEET_BUCKETS_SECONDS = (0.01, 0.05, 0.25, 1.0, 5.0)
HISTORY_SLICES = 2
STEP_S = 300
JOB_ENDED = {"finished", "failed", "canceled", "stopped"}
JOB_TIMEOUT_S = 3600.0
POLL_S = 0.5
PROGRESS_EVERY_S = 30.0
WORKERS_READY_TIMEOUT_S = 120.0

JobPoll = Callable[[float, dict[str, Any]], None]  # (seconds since start, job state)


def bench_fleet(services: int, workers: int, days: int, seed: int = 17) -> dict[str, Any]:
    graph = synthetic_graph(services, services * 3, cycles=3, seed=seed, source="manual")
    report: dict[str, Any] = {"benchmark": "fleet", "services": services,
                              "edges": len(graph["edges"]), "workers": workers, "days": days,
                              "latency_buckets": len(FLEET_BUCKETS_SECONDS)}
    with tempfile.TemporaryDirectory() as state, contextlib.ExitStack() as cleanup:
        root = Path(state)
        report.update(backfill_fleet_history(graph, days, root, seed))
        backends = start_backends(root, cleanup)
        _, base_url = start_api(root, backends, cleanup)
        _start_workers(workers, root, backends, cleanup)
        admin_key = _issue_admin_key(root, backends.falkordb.url)
        with httpx.Client(base_url=base_url, headers={"X-API-Key": admin_key},
                          timeout=120) as client:
            _wait_for_workers(client, workers)
            report["ingest_s"] = _ingest(client, graph)
            report["aggregation"] = _aggregate(client)
            report["regeneration"] = _regenerate(client)
            # The hourly run as it is once every service has a recommendation to judge.
            report["aggregation_with_recommendations"] = _aggregate(client)
    report.update(targets=TARGETS, meets_target=meets_target(report))
    return report


def backfill_fleet_history(graph: dict[str, Any], days: int, root: Path, seed: int
                           ) -> dict[str, Any]:
    """Simulate `days` up to now and backfill them into root/prometheus (before it starts)."""
    started = time.perf_counter()
    history = simulate_fleet(graph, days, int(time.time()) // STEP_S * STEP_S, STEP_S, seed)
    simulate_s = time.perf_counter() - started
    written = write_and_backfill(history, root, root / "prometheus", _write_slice,
                                 HISTORY_SLICES)
    return {"samples": written.samples, "history_mb": written.history_mb,
            "simulate_s": round(simulate_s, 1),
            "generate_s": round(simulate_s + written.write_s, 1),
            "backfill_s": written.backfill_s,
            "history_s": round(time.perf_counter() - started, 1)}


def _write_slice(history: FleetHistory, path: Path, steps: slice) -> int:
    # No edge-latency histogram: nothing here discovers the graph.
    return write_openmetrics(history, path, FLEET_BUCKETS_SECONDS, steps,
                             edge_latency_buckets=())


def _start_workers(count: int, root: Path, backends: Backends,
                   cleanup: contextlib.ExitStack) -> None:
    """`slo-engine worker` processes joined to the same servers; each logs to a file."""
    children = start_children(count, False, [backends.falkordb, backends.redis,
                                             backends.prometheus], None, log_dir=root)
    cleanup.callback(stop_children, children)


def _issue_admin_key(root: Path, falkordb_url: str) -> str:
    with api_key_registry(bench_settings(state_dir=root, falkordb_url=falkordb_url)) as keys:
        raw, _ = keys.issue("bench-fleet-admin", Role.SRE_ADMIN, (), "bench fleet")
    return str(raw)


def _wait_for_workers(client: httpx.Client, count: int) -> None:
    deadline = time.monotonic() + WORKERS_READY_TIMEOUT_S
    while time.monotonic() < deadline:
        ready = client.get("/api/v1/health/ready").json()
        if (ready.get("background_workers") or 0) >= count:
            return
        time.sleep(POLL_S)
    raise TimeoutError(f"{count} workers did not register within {WORKERS_READY_TIMEOUT_S} s")


def _ingest(client: httpx.Client, graph: dict[str, Any]) -> float:
    """Posted and analysed (cycles found by a worker) before anything else is measured."""
    started = time.perf_counter()
    status = post_and_wait(client, orjson.dumps(graph), timeout_s=JOB_TIMEOUT_S)
    if status["status"] != "completed":
        raise RuntimeError(f"ingestion did not complete: {status}")
    return round(time.perf_counter() - started, 1)


def run_job(client: httpx.Client, body: dict[str, Any], on_poll: JobPoll | None = None
            ) -> tuple[float, dict[str, Any]]:
    """POST /api/v1/jobs, then follow its Location until the job ends: (seconds, state)."""
    started = time.perf_counter()
    response = client.post("/api/v1/jobs", json=body)
    response.raise_for_status()
    status_url = response.headers["Location"]
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(status_url).json()
        elapsed = time.perf_counter() - started
        if state["status"] in JOB_ENDED:
            return elapsed, state
        if on_poll is not None:
            on_poll(elapsed, state)
        time.sleep(POLL_S)
    raise TimeoutError(f"{body['kind']} did not end within {JOB_TIMEOUT_S} s")


def _aggregate(client: httpx.Client) -> dict[str, Any]:
    seconds, state = run_job(client, {"kind": "aggregate_slis"})
    result = state.get("result") or {}
    return {"seconds": round(seconds, 1), "status": state["status"], "error": state["error"],
            **{key: result.get(key) for key in ("services", "services_with_traffic",
                                                 "aggregates_stored", "stale_services")},
            "job_timings": result.get("timings")}


def _regenerate(client: httpx.Client) -> dict[str, Any]:
    timeline: list[dict[str, Any]] = []

    def record(elapsed: float, state: dict[str, Any]) -> None:
        if state.get("progress") and elapsed >= PROGRESS_EVERY_S * (len(timeline) + 1):
            timeline.append({"s": round(elapsed), **state["progress"]})

    seconds, state = run_job(client, {"kind": "regenerate_recommendations"}, record)
    progress = state.get("progress") or {"done": 0, "total": 0, "failed": 0}
    report = {"seconds": round(seconds, 1), "status": state["status"], "error": state["error"],
              **progress, "chunks": state.get("parts"),
              "services_per_s": round(progress["done"] / seconds, 1),
              "progress_timeline": timeline}
    if state["status"] != "finished" or progress["failed"]:
        report["failed_jobs"] = _failed_jobs(client)
    return report


def _failed_jobs(client: httpx.Client, limit: int = 5) -> list[dict[str, Any]]:
    items = client.get(f"/api/v1/jobs/failed?limit={limit}").json().get("items", [])
    return [{"job_id": item["job_id"], "error": item["error"]} for item in items]


def meets_target(report: dict[str, Any]) -> bool:
    """Every aggregation and the whole regeneration finished in time, with no service
    failed: a regeneration that skips services is not a full one."""
    aggregations = [report["aggregation"], report["aggregation_with_recommendations"]]
    regeneration = report["regeneration"]
    return bool(all(a["status"] == "finished" and a["seconds"] <= TARGETS["aggregation_s"]
                    for a in aggregations)
                and regeneration["status"] == "finished" and regeneration["failed"] == 0
                and regeneration["seconds"] <= TARGETS["regeneration_s"])
