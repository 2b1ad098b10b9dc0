"""`bench recommend`: fresh and cached recommendations over a simulated fleet in a real
Prometheus (TRD: 5 s / 500 ms; issue targets: fresh p95 <= 300 ms, cached p95 <= 20 ms)."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from slo_engine.bench.bench_settings import bench_settings
from slo_engine.bench.graph_benchmarks import post_and_wait
from slo_engine.bench.simulated_history import backfill_simulated_history
from slo_engine.bench.stats import latency_summary_ms
from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.process_tuning import tune_garbage_collection
from slo_engine.runtime.prometheus_server import start_prometheus
from slo_engine.runtime.server import api_on_thread


def _timed_gets(client: httpx.Client, paths: list[str]) -> list[float]:
    durations = []
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        durations.append(time.perf_counter() - started)
        response.raise_for_status()
    return durations


def bench_recommend(services: int, days: int, samples: int, seed: int = 5) -> dict[str, Any]:
    tune_garbage_collection()
    graph = synthetic_graph(services, services * 3, cycles=3, seed=seed, source="manual")
    report: dict[str, Any] = {"benchmark": "recommend", "services": services, "days": days}
    with tempfile.TemporaryDirectory() as state:
        root = Path(state)
        history, timings = backfill_simulated_history(graph, days, root, seed)
        report.update(timings)
        prometheus = start_prometheus(root / "prometheus")
        container = bootstrap(bench_settings(state_dir=root, prometheus_url=prometheus.url))
        try:
            with api_on_thread(container) as api, \
                    httpx.Client(base_url=api.base_url, headers=api.headers, timeout=60) as client:
                post_and_wait(client, orjson.dumps(graph))
                chosen = random.Random(seed).sample(history.services, samples)
                fresh = [f"/api/v1/services/{s}/slo-recommendations?force_regenerate=true"
                         for s in chosen]
                # The first also fits the fleet's forecast priors (none is stored yet:
                # application/prior_bootstrap.py), as a new deployment's first request does.
                report["warm_up_s"] = round(sum(_timed_gets(client, fresh[:3])), 3)
                report["fresh"] = latency_summary_ms(_timed_gets(client, fresh))
                cached = [f"/api/v1/services/{s}/slo-recommendations" for s in chosen]
                report["cached"] = latency_summary_ms(_timed_gets(client, cached))
        finally:
            container.close()
            prometheus.stop()
    report.update(target_fresh_p95_ms=300, target_cached_p95_ms=20,
                  meets_target=report["fresh"]["p95_ms"] <= 300
                  and report["cached"]["p95_ms"] <= 20)
    return report
