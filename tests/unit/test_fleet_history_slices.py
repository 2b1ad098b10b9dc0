"""A simulated history written in time slices holds exactly the samples of the whole."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from slo_engine.bench.fleet_benchmark import FLEET_BUCKETS_SECONDS, meets_target
from slo_engine.fleet.openmetrics import BUCKETS_SECONDS, write_openmetrics
from slo_engine.fleet.simulation import FleetEvent, FleetHistory, simulate_fleet
from slo_engine.fleet.sliced_backfill import time_slices

END = 1_767_225_600  # 2026-01-01T00:00:00Z
TOPOLOGY = {"source": "manual", "nodes": [],
            "edges": [{"source": "web", "target": "api", "attributes": {}},
                      {"source": "api", "target": "db", "attributes": {}}]}


@pytest.fixture(scope="module")
def history() -> FleetHistory:
    return simulate_fleet(TOPOLOGY, days=1, end_s=END, seed=5)


def samples_of(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


def test_time_slices_cover_every_step_once_in_order() -> None:
    slices = time_slices(576, 3)
    assert [(s.start, s.stop) for s in slices] == [(0, 192), (192, 384), (384, 576)]


def test_time_slices_are_never_empty_when_there_are_fewer_steps_than_slices() -> None:
    assert [(s.start, s.stop) for s in time_slices(2, 5)] == [(0, 1), (1, 2)]


def test_slices_written_apart_hold_the_samples_of_the_whole_history(
        history: FleetHistory, tmp_path: Path) -> None:
    whole = write_openmetrics(history, tmp_path / "whole.om", FLEET_BUCKETS_SECONDS)
    pieces = []
    written = 0
    for k, steps in enumerate(time_slices(history.steps, 2)):
        written += write_openmetrics(history, tmp_path / f"{k}.om", FLEET_BUCKETS_SECONDS, steps)
        pieces += samples_of(tmp_path / f"{k}.om")
    assert written == whole
    assert sorted(pieces) == sorted(samples_of(tmp_path / "whole.om"))


def test_a_later_slice_keeps_counting_from_the_start_of_history(
        history: FleetHistory, tmp_path: Path) -> None:
    later = time_slices(history.steps, 2)[1]
    write_openmetrics(history, tmp_path / "later.om", FLEET_BUCKETS_SECONDS, later)
    first = next(line for line in samples_of(tmp_path / "later.om")
                 if line.startswith('http_requests_total{service="api",code="200"}'))
    counted = (history.requests[0, :later.start + 1] - history.failures[0, :later.start + 1]
               ).sum()
    assert history.services[0] == "api"
    assert float(first.split()[1]) == pytest.approx(counted)
    assert counted > history.requests[0, later.start]  # not restarted at the slice


def test_fewer_buckets_write_fewer_series(history: FleetHistory, tmp_path: Path) -> None:
    default = write_openmetrics(history, tmp_path / "default.om")
    few = write_openmetrics(history, tmp_path / "few.om", FLEET_BUCKETS_SECONDS)
    per_bucket = history.steps * len(history.services)
    assert default - few == (len(BUCKETS_SECONDS) - len(FLEET_BUCKETS_SECONDS)) * per_bucket


def run(seconds: float, status: str = "finished", failed: int = 0) -> dict[str, object]:
    return {"seconds": seconds, "status": status, "failed": failed}


def test_target_needs_every_service_regenerated_in_time() -> None:
    fast = {"aggregation": run(10), "aggregation_with_recommendations": run(12)}
    assert meets_target({**fast, "regeneration": run(290)})
    assert not meets_target({**fast, "regeneration": run(290, failed=1)})
    assert not meets_target({**fast, "regeneration": run(301)})
    assert not meets_target({**fast, "aggregation": run(61), "regeneration": run(100)})


def test_the_last_steps_of_a_history_are_a_copy_that_starts_where_they_start(
        history: FleetHistory) -> None:
    cut = history.start_s + (history.steps - 100) * history.step_s
    events = [FleetEvent("incident", "api", cut - 600, cut - 300, 0.5),  # over before it
              FleetEvent("incident", "api", cut - 300, cut + 300, 0.5),  # reaches into it
              FleetEvent("regression", "db", cut + 600, cut + 900, 2.0)]
    tail = replace(history, events=events).last(100)
    assert tail.steps == 100
    assert tail.start_s == cut
    assert (tail.requests == history.requests[:, -100:]).all()
    assert (tail.latency_median_s == history.latency_median_s[:, -100:]).all()
    assert tail.requests.base is None  # its own memory: the long history can be freed
    assert tail.events == events[1:]
    assert tail.services == history.services
    assert tail.edges == history.edges
    for steps in (0, history.steps + 1):
        with pytest.raises(ValueError, match="has no last"):
            history.last(steps)


def test_a_history_written_without_edge_calls_holds_only_the_services_own_families(
        history: FleetHistory, tmp_path: Path) -> None:
    written = write_openmetrics(history, tmp_path / "own.om", edge_calls=False)
    names = {line.split("{")[0] for line in samples_of(tmp_path / "own.om")}
    assert names == {"http_requests_total", "http_request_duration_seconds_bucket",
                     "http_request_duration_seconds_sum", "http_request_duration_seconds_count",
                     "container_cpu_cfs_throttled_seconds_total"}
    assert written == len(samples_of(tmp_path / "own.om"))
    assert written < write_openmetrics(history, tmp_path / "all.om")
