"""`bench impact`: impact analysis through the API on the foundation's 5,000-service graph.

Every service gets observed request counters in a real Prometheus (three samples over 30
days are all a 30-day availability needs) and a fifth of them an active SLO through the
real decision path, so projections, sources and at-risk flags are those of a real fleet.
Measured: a service deep in the graph and the one with the most upstream dependents.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson

from slo_engine.application.decide_slo import SloDecision
from slo_engine.application.ports import RecommendationWindow
from slo_engine.bench.bench_settings import bench_settings
from slo_engine.bench.graph_benchmarks import post_and_wait
from slo_engine.bench.stats import latency_summary_ms
from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.domain.closure_index import ClosureIndex, closure_index, closure_matrices
from slo_engine.domain.composite import Dependency
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.process_tuning import tune_garbage_collection
from slo_engine.runtime.prometheus_server import backfill_openmetrics
from slo_engine.runtime.server import api_on_thread

SLO_SHARE = 0.2
TARGET_P95_MS = 150.0
AVAILABILITY_30D = RecommendationWindow("availability", 30, 30)


def write_request_counters(services: list[str], end_s: int, path: Path, seed: int = 3) -> None:
    """http_requests_total per service and code at three times over 30 days."""
    rng = np.random.default_rng(seed)
    availability = 1 - 10 ** rng.uniform(-5, -2, len(services))
    rate = 10 ** rng.uniform(0, 2.5, len(services))
    times = [end_s - 29 * 86_400, end_s - 15 * 86_400, end_s - 3600]
    with path.open("w") as out:
        out.write("# TYPE http_requests_total counter\n")
        for service, ok, per_second in zip(services, availability, rate, strict=True):
            for code, share in (("200", ok), ("500", 1 - ok)):
                for t in times:
                    count = per_second * (t - times[0] + 60) * share
                    out.write(f'http_requests_total{{service="{service}",code="{code}"}} '
                              f"{count:.3f} {t}\n")
        out.write("# EOF\n")


def dependents_count(index: ClosureIndex) -> np.ndarray:
    """How many components need each component (column sums of the closure bit matrix)."""
    counts = np.zeros(index.size, dtype=np.int64)
    for bits in closure_matrices(index, list(range(index.size))):
        counts += bits.sum(axis=0, dtype=np.int64)
    return counts - 1  # itself


def chosen_services(graph: dict[str, Any]) -> dict[str, str]:
    deps = [Dependency(e["source"], e["target"], e["attributes"]["criticality"],
                       e["attributes"]["communication_mode"]) for e in graph["edges"]]
    index = closure_index([n["service_id"] for n in graph["nodes"]], deps)
    counts = dependents_count(index)
    most = index.members[int(np.argmax(counts))][0]
    data_layer = [n["service_id"] for n in graph["nodes"]
                  if n["metadata"]["layer"] == "data"]
    by_count = sorted(data_layer, key=lambda s: counts[index.component_of[s]])
    return {"deep": by_count[len(by_count) // 2], "most_dependents": most}


def set_slos(container: Container, services: list[str], rng: random.Random) -> int:
    for service in services:
        rec_id, now = str(uuid.uuid4()), container.clock.now_ms()
        target = rng.choice((0.99, 0.995, 0.999, 0.9995))
        container.graph.store_recommendation(service, rec_id, AVAILABILITY_30D, 0, {},
                                             {"availability_ratio": {"balanced": target}},
                                             now, now + 86_400_000)
        container.decisions.decide(service, SloDecision(rec_id, "accept", "bench"))
    return len(services)


def _time_posts(client: httpx.Client, body: bytes, samples: int) -> tuple[list[float], Any]:
    durations, last = [], None
    for _ in range(samples):
        started = time.perf_counter()
        response = client.post("/api/v1/slos/impact-analysis", content=body,
                               headers={"content-type": "application/json"})
        durations.append(time.perf_counter() - started)
        response.raise_for_status()
        last = response.json()
    return durations, last


def _time_dashboards(client: httpx.Client, runs: int = 5) -> dict[str, float]:
    medians = {}
    for name in ("coverage", "error-budget-health", "recommendation-quality"):
        durations = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(f"/api/v1/dashboard/{name}").raise_for_status()
            durations.append(time.perf_counter() - started)
        medians[f"{name}_p50_ms"] = latency_summary_ms(durations)["p50_ms"]
    return medians


def bench_impact(services: int, edges: int, samples: int) -> dict[str, Any]:
    graph = synthetic_graph(services, edges)
    ids = [n["service_id"] for n in graph["nodes"]]
    chosen = chosen_services(graph)
    report: dict[str, Any] = {"benchmark": "impact", "services": services, "edges": edges,
                              "samples": samples}
    tune_garbage_collection()
    with tempfile.TemporaryDirectory() as state:
        counters = Path(state) / "counters.om"
        write_request_counters(ids, int(time.time()) // 900 * 900, counters)
        backfill_openmetrics(counters, Path(state) / "prometheus")
        container = bootstrap(bench_settings(state_dir=Path(state)))
        try:
            with api_on_thread(container) as api, \
                    httpx.Client(base_url=api.base_url, headers=api.headers, timeout=120) as client:
                post_and_wait(client, orjson.dumps(graph))
                started = time.perf_counter()
                report["slos_set"] = set_slos(container, random.Random(5).sample(
                    ids, int(services * SLO_SHARE)), random.Random(6))
                report["slo_setup_s"] = round(time.perf_counter() - started, 1)
                for name, service in chosen.items():
                    body = orjson.dumps({"service_id": service, "proposed_change": {
                        "sli_type": "availability", "proposed_target": 99.0}})
                    first, _ = _time_posts(client, body, 1)
                    durations, result = _time_posts(client, body, samples)
                    report[name] = {
                        "service_id": service, "first_call_ms": round(first[0] * 1000, 1),
                        **latency_summary_ms(durations),
                        "upstream_services": result["summary"]["total_impacted"],
                        "slos_at_risk": result["summary"]["slos_at_risk"],
                        "availability_sources": result["availability_sources"],
                        "stale": result["stale"],
                    }
                report["dashboards"] = _time_dashboards(client)
        finally:
            container.close()
    worst = max(report[name]["p95_ms"] for name in chosen)
    report.update(target_p95_ms=TARGET_P95_MS, meets_target=worst <= TARGET_P95_MS)
    return report
