"""A simulated fleet, written and backfilled, reads back exactly through PromQL."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pytest
from typer.testing import CliRunner

from slo_engine.cli import app
from slo_engine.fleet.files import HISTORY, load_directory
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.runtime.prometheus_server import start_prometheus
from tests.unit.test_fleet_simulation import END, TOPOLOGY


def test_simulate_then_load_gives_prometheus_the_simulated_counts(tmp_path: Path) -> None:
    topology = tmp_path / "topology.json"
    topology.write_text(json.dumps(TOPOLOGY))
    fleet = tmp_path / "fleet"
    result = CliRunner().invoke(app, ["fleet", "simulate", "--topology", str(topology),
                                      "--days", "2", "--out", str(fleet), "--seed", "5"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["services"] == 8
    assert (fleet / HISTORY).stat().st_size > 0
    load_directory(fleet, tmp_path / "prometheus")
    expected = simulate_fleet(TOPOLOGY, days=2, end_s=summary["end"], seed=5)
    server = start_prometheus(tmp_path / "prometheus")
    try:
        def value(query: str) -> float:
            body = httpx.get(f"{server.url}/api/v1/query",
                             params={"query": query, "time": summary["end"]}).json()
            return float(body["data"]["result"][0]["value"][1])

        api = expected.index("api")
        assert value('http_requests_total{service="api",code="500"}') == \
            expected.failures[api].sum()
        assert value('http_request_duration_seconds_count{service="api"}') == \
            expected.requests[api].sum()
        p50 = value('histogram_quantile(0.5, sum by (le) (rate('
                    'http_request_duration_seconds_bucket{service="api"}[1d])))')
        assert 0.5 * np.median(expected.latency_median_s[api]) < p50 < \
            2 * np.median(expected.latency_median_s[api])
    finally:
        server.stop()


def test_loading_a_directory_without_history_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run `slo-engine fleet simulate` first"):
        load_directory(tmp_path, tmp_path / "prometheus")


def test_simulated_history_ends_where_asked() -> None:
    history = simulate_fleet(TOPOLOGY, days=1, end_s=END)
    assert history.start_s + (history.steps - 1) * history.step_s == END
