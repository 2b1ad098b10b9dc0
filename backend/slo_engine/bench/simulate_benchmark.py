"""`bench simulate`: backtest + Monte Carlo of one service's SLO through the API, over
days of 5-minute simulated history in a real Prometheus (issue 19: 90 days, 1,000
iterations, p95 <= 1,000 ms); then the what-if (p95 <= 500 ms) and a 40-step journey with
correlated failure domains (<= 2 s) on the 5,000-service graph."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from slo_engine.bench.bench_settings import bench_settings
from slo_engine.bench.graph_benchmarks import post_and_wait
from slo_engine.bench.journey_benchmark import TARGET_S as JOURNEY_TARGET_S
from slo_engine.bench.simulated_history import backfill_simulated_history
from slo_engine.bench.stats import latency_summary_ms
from slo_engine.bench.what_if_benchmark import TARGET_P95_MS as WHAT_IF_TARGET_P95_MS
from slo_engine.bench.what_if_benchmark import bench_what_if
from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.process_tuning import tune_garbage_collection
from slo_engine.runtime.prometheus_server import start_prometheus
from slo_engine.runtime.server import api_on_thread

TARGET_P95_MS = 1000
SERVICE = "checkout"
TOPOLOGY = {"source": "manual", "nodes": [{"service_id": SERVICE}],
            "edges": [{"source": SERVICE, "target": "payment", "attributes": {}},
                      {"source": SERVICE, "target": "inventory", "attributes": {}}]}
TARGETS = {"availability": 99.9, "latency": [{"percentile": 99, "threshold_ms": 500}]}


def simulation_body(days: int, iterations: int, seed: int) -> dict[str, Any]:
    """The SLO tested: 99.9% availability and p99 under 500 ms, over a 30-day period (7
    when the history is shorter), on the whole history."""
    return {"targets": TARGETS, "period_days": 30 if days >= 30 else 7,
            "historical_window_days": days, "iterations": iterations, "seed": seed}


def _timed_posts(client: httpx.Client, bodies: list[dict[str, Any]]
                 ) -> tuple[list[float], dict[str, Any]]:
    durations, last = [], {}
    for body in bodies:
        started = time.perf_counter()
        response = client.post(f"/api/v1/services/{SERVICE}/slos/simulate", json=body)
        durations.append(time.perf_counter() - started)
        response.raise_for_status()
        last = response.json()
    return durations, last


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    """What the last simulation found, so a run shows it simulated something."""
    availability = document["slis"][0]
    return {"history_step_seconds": document["provenance"]["history_step_seconds"],
            "rolling_periods": availability["backtest"]["rolling"]["periods_total"],
            "rolling_breached": availability["backtest"]["rolling"]["periods_breached"],
            "breach_probability": availability["monte_carlo"]["breach_probability"]}


def bench_simulate(days: int, samples: int, iterations: int, seed: int = 19,
                   what_if_services: int = 5000, what_if_edges: int = 50_000
                   ) -> dict[str, Any]:
    tune_garbage_collection()
    report: dict[str, Any] = {"benchmark": "simulate", "days": days, "iterations": iterations}
    with tempfile.TemporaryDirectory() as state:
        root = Path(state)
        _, timings = backfill_simulated_history(TOPOLOGY, days, root, seed)
        report.update(timings)
        prometheus = start_prometheus(root / "prometheus")
        container = bootstrap(bench_settings(state_dir=root, prometheus_url=prometheus.url))
        try:
            with api_on_thread(container) as api, \
                    httpx.Client(base_url=api.base_url, headers=api.headers, timeout=150) as client:
                post_and_wait(client, orjson.dumps(TOPOLOGY))
                bodies = [simulation_body(days, iterations, seed + k) for k in range(samples)]
                _timed_posts(client, bodies[:2])  # warm-up
                durations, last = _timed_posts(client, bodies)
                report["simulate"] = latency_summary_ms(durations)
                report.update(_summary(last))
        finally:
            container.close()
            prometheus.stop()
    report["what_if"] = bench_what_if(what_if_services, what_if_edges, samples)
    p95, what_if_p95 = report["simulate"]["p95_ms"], report["what_if"]["p95_ms"]
    journey_s = report["what_if"]["journey"]["journey_s"]
    report.update(simulate_p95_ms=p95, target_p95_ms=TARGET_P95_MS,
                  what_if_p95_ms=what_if_p95, what_if_target_p95_ms=WHAT_IF_TARGET_P95_MS,
                  journey_s=journey_s, journey_target_s=JOURNEY_TARGET_S,
                  meets_target=p95 <= TARGET_P95_MS and what_if_p95 <= WHAT_IF_TARGET_P95_MS
                  and journey_s <= JOURNEY_TARGET_S)
    return report
