"""`bench simulate`'s what-if part: a dependency change answered through the API on the
foundation's synthetic graph (issue 19: 5,000 services, p95 <= 500 ms).

As `bench impact` sets it up: observed request counters for every service in a real
Prometheus, a fifth of the services with an active SLO. Measured: a fallback added for
a direct dependency of the edge service with the largest hard closure, what-if alone;
then the journey from that service (journey_benchmark.py) in the same session.
"""

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
from slo_engine.bench.impact_benchmark import SLO_SHARE, set_slos, write_request_counters
from slo_engine.bench.journey_benchmark import journey_steps, time_journey, with_failure_domains
from slo_engine.bench.stats import latency_summary_ms
from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.domain.closure_index import closure_index
from slo_engine.domain.composite import Dependency
from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.prometheus_server import backfill_openmetrics
from slo_engine.runtime.server import api_on_thread

TARGET_P95_MS = 500.0


def chosen_change(graph: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The edge-layer service needing the most services, and a fallback at 99.9% for its
    first hard synchronous dependency."""
    deps = [Dependency(e["source"], e["target"], e["attributes"]["criticality"],
                       e["attributes"]["communication_mode"]) for e in graph["edges"]]
    index = closure_index([n["service_id"] for n in graph["nodes"]], deps)
    hard: dict[str, str] = {}
    for d in deps:
        if d.exclusion_reason is None:
            hard.setdefault(d.source, d.target)
    edge_services = [n["service_id"] for n in graph["nodes"]
                     if n["metadata"]["layer"] == "edge" and n["service_id"] in hard]
    service = max(edge_services,
                  key=lambda s: index.closure[index.component_of[s]].bit_count())
    return service, {"what_if": {"dependencies": [{
        "service_id": hard[service], "change": "fallback", "availability": 99.9}]}}


def _timed(client: httpx.Client, service: str, body: bytes, samples: int
           ) -> tuple[list[float], Any]:
    durations, last = [], None
    for _ in range(samples):
        started = time.perf_counter()
        response = client.post(f"/api/v1/services/{service}/slos/simulate", content=body,
                               headers={"content-type": "application/json"})
        durations.append(time.perf_counter() - started)
        response.raise_for_status()
        last = response.json()
    return durations, last


def bench_what_if(services: int, edges: int, samples: int) -> dict[str, Any]:
    graph = with_failure_domains(synthetic_graph(services, edges))
    ids = [n["service_id"] for n in graph["nodes"]]
    service, change = chosen_change(graph)
    body = orjson.dumps(change)
    report: dict[str, Any] = {"services": services, "edges": edges, "service_id": service}
    with tempfile.TemporaryDirectory() as state:
        counters = Path(state) / "counters.om"
        write_request_counters(ids, int(time.time()) // 900 * 900, counters)
        backfill_openmetrics(counters, Path(state) / "prometheus")
        container = bootstrap(bench_settings(state_dir=Path(state)))
        try:
            with api_on_thread(container) as api, \
                    httpx.Client(base_url=api.base_url, headers=api.headers, timeout=120) as client:
                post_and_wait(client, orjson.dumps(graph))
                set_slos(container, random.Random(5).sample(ids, int(services * SLO_SHARE)),
                         random.Random(6))
                first, _ = _timed(client, service, body, 1)
                durations, last = _timed(client, service, body, samples)
                journey = time_journey(client, journey_steps(graph, service), min(samples, 5))
        finally:
            container.close()
    answer = last["what_if"]["dependencies"]
    report.update(first_call_ms=round(first[0] * 1000, 1), **latency_summary_ms(durations),
                  counted_services=answer["current_bound"]["counted_services"],
                  bound_method=answer["projected_bound"]["method"],
                  upstream_affected=answer["upstream_affected"],
                  recommendation=answer["recommendation"], journey=journey)
    return report
