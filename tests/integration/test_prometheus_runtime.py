"""The embedded Prometheus: backfilled history is queryable with PromQL."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from slo_engine.runtime.prometheus_server import backfill_openmetrics, start_prometheus

STEP_S = 300


def write_history(path: Path, end_s: int, days: int) -> None:
    """A counter of 10 requests per second, 1 in 1,000 failing, for `days` days to `end_s`."""
    lines = ["# TYPE http_requests counter"]
    start = end_s - days * 86_400
    for t in range(start, end_s + 1, STEP_S):
        elapsed = t - start
        lines.append(f'http_requests_total{{service="api",code="200"}} {elapsed * 9.99} {t}')
        lines.append(f'http_requests_total{{service="api",code="500"}} {elapsed * 0.01} {t}')
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n")


def test_backfilled_history_answers_a_range_query(tmp_path: Path) -> None:
    end = int(time.time()) // STEP_S * STEP_S
    history = tmp_path / "history.om"
    write_history(history, end, days=3)
    backfill_openmetrics(history, tmp_path / "prometheus")
    server = start_prometheus(tmp_path / "prometheus")
    try:
        query = ('sum(rate(http_requests_total{service="api",code!~"5.."}[1h]))'
                 ' / sum(rate(http_requests_total{service="api"}[1h]))')
        response = httpx.get(f"{server.url}/api/v1/query_range", params={
            "query": query, "start": end - 2 * 86_400, "end": end, "step": "1h"}).json()
        assert response["status"] == "success"
        (series,) = response["data"]["result"]
        values = [float(v) for _, v in series["values"]]
        assert len(values) == 49
        assert all(abs(v - 0.999) < 1e-9 for v in values)
    finally:
        server.stop()
    assert server.process.returncode == 0


def test_the_default_sli_queries_run_on_real_prometheus(tmp_path: Path) -> None:
    from slo_engine.adapters.promql import SliQueries

    end = int(time.time()) // STEP_S * STEP_S
    history = tmp_path / "history.om"
    write_history(history, end, days=2)
    backfill_openmetrics(history, tmp_path / "prometheus")
    server = start_prometheus(tmp_path / "prometheus")
    queries = SliQueries()
    try:
        def instant(query: str) -> float:
            body = httpx.get(f"{server.url}/api/v1/query",
                             params={"query": query, "time": end}).json()
            assert body["status"] == "success", body
            return float(body["data"]["result"][0]["value"][1])

        assert instant(queries.total_requests("api", 3600)) == pytest.approx(36_000, rel=1e-6)
        assert instant(queries.failed_requests("api", 3600)) == pytest.approx(36, rel=1e-6)
    finally:
        server.stop()
