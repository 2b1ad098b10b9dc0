"""`bench degraded`: cache-miss recommendations while Prometheus is frozen (SIGSTOP).

Half the services have a stored recommendation (served stale), half have none (503). The
issue's targets: p95 <= the request deadline + 200 ms, and no response >= 500 but 503.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from collections import Counter
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
from slo_engine.runtime.prometheus_server import start_prometheus
from slo_engine.runtime.server import api_on_thread

MARGIN_MS = 200


def bench_degraded(services: int, days: int, requests: int, deadline_s: float,
                   seed: int = 3) -> dict[str, Any]:
    graph = synthetic_graph(services, services * 3, cycles=3, seed=seed, source="manual")
    ids = [node["service_id"] for node in graph["nodes"]]
    report: dict[str, Any] = {"benchmark": "degraded", "services": services, "days": days,
                              "deadline_s": deadline_s}
    with tempfile.TemporaryDirectory() as state:
        root = Path(state)
        _history, timings = backfill_simulated_history(graph, days, root, seed)
        report.update(timings)
        prometheus = start_prometheus(root / "prometheus")
        container = bootstrap(bench_settings(state_dir=root, prometheus_url=prometheus.url,
                                             prometheus_request_deadline_seconds=deadline_s))
        try:
            with api_on_thread(container) as api, \
                    httpx.Client(base_url=api.base_url, headers=api.headers, timeout=60) as client:
                post_and_wait(client, orjson.dumps(graph))
                for service_id in ids[::2]:  # stored, to be served stale
                    client.get(_path(service_id)).raise_for_status()
                os.kill(prometheus.pid, signal.SIGSTOP)
                try:
                    durations, statuses, stale = _frozen_requests(client, ids, requests)
                finally:
                    os.kill(prometheus.pid, signal.SIGCONT)
        finally:
            container.close()
            prometheus.stop()
    report["latency"] = latency_summary_ms(durations)
    report["status_counts"] = {str(k): v for k, v in sorted(statuses.items())}
    report["stale_responses"] = stale
    report["server_errors_other_than_503"] = sum(
        n for status, n in statuses.items() if status >= 500 and status != 503)
    report["target_p95_ms"] = round(deadline_s * 1000 + MARGIN_MS)
    report["meets_target"] = (report["latency"]["p95_ms"] <= report["target_p95_ms"]
                              and report["server_errors_other_than_503"] == 0)
    return report


def _path(service_id: str, force: bool = False) -> str:
    query = "?sli_type=availability" + ("&force_regenerate=true" if force else "")
    return f"/api/v1/services/{service_id}/slo-recommendations{query}"


def _frozen_requests(client: httpx.Client, ids: list[str], requests: int
                     ) -> tuple[list[float], Counter[int], int]:
    durations, statuses, stale = [], Counter[int](), 0
    for k in range(requests):
        started = time.perf_counter()
        response = client.get(_path(ids[k % len(ids)], force=True))
        durations.append(time.perf_counter() - started)
        statuses[response.status_code] += 1
        stale += response.status_code == 200 and response.json().get("stale") is True
    return durations, statuses, stale
