"""The simulated fleet behaves like its graph says it must."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.fleet.simulation import (
    propagate_failures,
    simulate_fleet,
    simulated_edge,
)

END = 1_767_225_600  # 2026-01-01T00:00:00Z


def edge(source: str, target: str, **attributes: Any) -> dict[str, Any]:
    return {"source": source, "target": target, "attributes": attributes}


TOPOLOGY = {
    "source": "manual",
    "nodes": [{"service_id": "vendor", "metadata": {"service_type": "external"}},
              {"service_id": "db", "metadata": {"engine": "postgres"}}],
    "edges": [edge("web", "api"), edge("api", "db"), edge("api", "vendor"),
              edge("api", "recs", criticality="soft"),
              edge("api", "queue", communication_mode="async"),
              edge("api", "r1", redundancy_group="replicas"),
              edge("api", "r2", redundancy_group="replicas")],
}


@pytest.fixture(scope="module")
def fleet() -> Any:
    return simulate_fleet(TOPOLOGY, days=30, end_s=END, seed=11)


def ratio(fleet: Any, service: str) -> np.ndarray:
    return np.asarray(fleet.failure_ratio[fleet.index(service)])


def test_propagation_follows_the_formula_for_serial_groups_and_soft_edges() -> None:
    position = {s: i for i, s in enumerate(["api", "db", "r1", "r2", "recs"])}
    edges = [simulated_edge(e, position) for e in (
        edge("api", "db"), edge("api", "r1", redundancy_group="g"),
        edge("api", "r2", redundancy_group="g"), edge("api", "recs", criticality="soft"))]
    own = np.array([[0.01], [0.1], [0.5], [0.4], [0.9]])
    failure = propagate_failures(own, edges, 5)
    assert failure[0, 0] == pytest.approx(1 - 0.99 * 0.9 * (1 - 0.5 * 0.4))
    assert failure[4, 0] == pytest.approx(0.9)


def test_a_cycle_shares_one_outcome_counting_each_member_once() -> None:
    position = {"a": 0, "b": 1, "c": 2}
    edges = [simulated_edge(e, position) for e in (edge("a", "b"), edge("b", "a"),
                                                   edge("b", "c"))]
    failure = propagate_failures(np.array([[0.1], [0.2], [0.5]]), edges, 3)
    assert failure[0, 0] == failure[1, 0] == pytest.approx(1 - 0.9 * 0.8 * 0.5)


def test_a_caller_fails_at_least_as_often_as_each_hard_dependency(fleet: Any) -> None:
    for dependency in ("api", "db", "vendor"):
        caller = "web" if dependency == "api" else "api"
        assert (ratio(fleet, caller) >= ratio(fleet, dependency) - 1e-12).all()


@pytest.mark.parametrize("attributes", [{"criticality": "soft"}, {"criticality": "degraded"},
                                        {"communication_mode": "async"}])
def test_soft_degraded_and_async_dependencies_never_fail_their_caller(
    attributes: dict[str, str],
) -> None:
    edges = [simulated_edge(edge("api", "dep", **attributes), {"api": 0, "dep": 1})]
    failure = propagate_failures(np.array([[0.001], [1.0]]), edges, 2)
    assert failure[0, 0] == pytest.approx(0.001)


def test_counts_are_whole_requests_consistent_with_the_ratio(fleet: Any) -> None:
    requests, failures = fleet.requests, fleet.failures
    assert (failures <= requests).all()
    assert np.array_equal(requests, np.round(requests))
    api = fleet.index("api")
    observed = failures[api].sum() / requests[api].sum()
    expected = (ratio(fleet, "api") * requests[api]).sum() / requests[api].sum()
    assert observed == pytest.approx(expected, rel=0.05)


def test_callees_serve_their_callers_traffic(fleet: Any) -> None:
    per_service = fleet.requests.sum(axis=1)
    assert per_service[fleet.index("db")] >= per_service[fleet.index("api")] * 0.99
    assert per_service[fleet.index("api")] >= per_service[fleet.index("web")] * 0.99


def test_traffic_is_diurnal_with_an_afternoon_peak(fleet: Any) -> None:
    hours = ((fleet.start_s + fleet.step_s * np.arange(fleet.steps)) % DAY_SECONDS) // 3600
    web = fleet.requests[fleet.index("web")]
    assert web[hours == 14].mean() > 2 * web[hours == 2].mean()


def test_latency_includes_sync_calls_but_not_async_ones(fleet: Any) -> None:
    latency = fleet.latency_median_s
    api, web = fleet.index("api"), fleet.index("web")
    assert (latency[web] > latency[api]).all()
    for sync in ("db", "vendor", "recs", "r1"):
        assert (latency[api] > latency[fleet.index(sync)]).all()


def test_incidents_regressions_and_an_unreliable_external_appear(fleet: Any) -> None:
    incidents: dict[str, int] = {}
    for e in fleet.events:
        if e.kind == "incident":
            incidents[e.service] = incidents.get(e.service, 0) + 1
    assert incidents["vendor"] == max(incidents.values()) >= 4
    assert any(e.kind == "regression" for e in fleet.events)


def test_the_same_seed_gives_the_same_fleet() -> None:
    first = simulate_fleet(TOPOLOGY, days=2, end_s=END, seed=3)
    again = simulate_fleet(TOPOLOGY, days=2, end_s=END, seed=3)
    assert np.array_equal(first.failures, again.failures)
    assert first.events == again.events
