"""Foundation benchmarks: ingestion, subgraph traversal, embedded-server restart."""

from __future__ import annotations

import contextlib
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from slo_engine.adapters.graph.cypher_loader import QueryCatalog
from slo_engine.adapters.graph.falkordb_runner import FalkorDBRunner
from slo_engine.bench.bench_settings import bench_settings
from slo_engine.bench.stats import latency_summary_ms
from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.process_tuning import tune_garbage_collection
from slo_engine.runtime.processes import start_falkordb
from slo_engine.runtime.server import RunningApi, api_on_thread
from slo_engine.runtime.settings import Settings


@contextlib.contextmanager
def embedded_api(state_dir: Path) -> Iterator[RunningApi]:
    """The API as `serve` runs it (same process tuning), on a loopback socket."""
    tune_garbage_collection()
    container = bootstrap(bench_settings(state_dir=state_dir))
    try:
        with api_on_thread(container) as api:
            yield api
    finally:
        container.close()


def post_and_wait(client: httpx.Client, payload: bytes, timeout_s: float = 300) -> dict[str, Any]:
    response = client.post("/api/v1/services/dependencies", content=payload,
                           headers={"content-type": "application/json"})
    response.raise_for_status()
    status_url = response.json()["status_url"]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(status_url).json()
        if status["status"] != "processing":
            return status
        time.sleep(0.02)
    raise TimeoutError("ingestion did not finish")


def bench_ingest(services: int, edges: int, runs: int) -> dict[str, Any]:
    payload = orjson.dumps(synthetic_graph(services, edges))
    first: list[float] = []
    again: list[float] = []
    scc: list[float] = []
    cycles = 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as state, embedded_api(Path(state)) as api, \
                httpx.Client(base_url=api.base_url, headers=api.headers, timeout=300) as client:
            for durations in (first, again):
                started = time.perf_counter()
                status = post_and_wait(client, payload)
                durations.append(time.perf_counter() - started)
                if status["status"] != "completed":
                    raise RuntimeError(f"ingestion failed: {status['result']}")
            scc.append(status["result"]["timings"]["scc_s"])
            cycles = status["result"]["cycles"]["total"]
    return {
        "benchmark": "ingest", "services": services, "edges": edges, "runs": runs,
        "payload_mb": round(len(payload) / 1e6, 2),
        "ingest_s": round(statistics.median(first), 3),
        "ingest_s_runs": [round(d, 3) for d in first],
        "reingest_s": round(statistics.median(again), 3),
        "scc_s": round(statistics.median(scc), 3),
        "cycles": cycles,
        "target_ingest_s": 3.0, "meets_target": statistics.median(first) <= 3.0,
    }


def _time_gets(client: httpx.Client, paths: list[str]) -> tuple[list[float], list[int]]:
    durations, sizes = [], []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        durations.append(time.perf_counter() - started)
        response.raise_for_status()
        sizes.append(len(response.json()["edges"]))
    return durations, sizes


def bench_traverse(services: int, edges: int, samples: int) -> dict[str, Any]:
    graph = synthetic_graph(services, edges)
    rng = random.Random(11)
    chosen = rng.sample([n["service_id"] for n in graph["nodes"]], samples)
    report: dict[str, Any] = {"benchmark": "traverse", "services": services, "edges": edges}
    with tempfile.TemporaryDirectory() as state, embedded_api(Path(state)) as api, \
            httpx.Client(base_url=api.base_url, headers=api.headers, timeout=60) as client:
        post_and_wait(client, orjson.dumps(graph))
        for direction in ("downstream", "upstream"):
            for depth in (3, 10):
                paths = [f"/api/v1/services/{s}/dependencies?direction={direction}&depth={depth}"
                         for s in chosen]
                _time_gets(client, paths[:5])  # warm connections and caches
                durations, sizes = _time_gets(client, paths)
                report[f"{direction}_{depth}hop"] = {
                    **latency_summary_ms(durations),
                    "median_edges_returned": statistics.median(sizes),
                    "max_edges_returned": max(sizes),
                }
    p95 = report["downstream_3hop"]["p95_ms"]
    report.update(target_3hop_p95_ms=20.0, meets_target=p95 <= 20.0)
    return report


def bench_restart(services: int, edges: int, runs: int) -> dict[str, Any]:
    graph = synthetic_graph(services, edges)
    catalog = QueryCatalog.load()
    timings = []
    with tempfile.TemporaryDirectory() as state:
        with embedded_api(Path(state)) as api, httpx.Client(
                base_url=api.base_url, headers=api.headers, timeout=300) as client:
            post_and_wait(client, orjson.dumps(graph))
        for _ in range(runs):
            started = time.perf_counter()
            server = start_falkordb(Path(state) / "falkordb")
            try:
                runner = FalkorDBRunner(server.url, Settings().falkordb_graph, catalog)
                rows = runner.read("dependencies/dependency_pairs")
                stored = sum(len(row["targets"]) for row in rows)
                timings.append(time.perf_counter() - started)
                runner.close()
            finally:
                server.stop()
            if stored != len(graph["edges"]):
                raise RuntimeError(f"restart lost data: {stored} of {len(graph['edges'])} edges")
    return {
        "benchmark": "restart", "services": services, "edges": edges, "runs": runs,
        "restart_to_first_query_s": round(statistics.median(timings), 3),
        "restart_s_runs": [round(t, 3) for t in timings],
        "edges_after_restart": stored,
        "target_s": 5.0, "meets_target": statistics.median(timings) <= 5.0,
    }
