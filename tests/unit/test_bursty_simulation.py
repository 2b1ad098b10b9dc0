"""The bursty fleet: clustered, heavy-tailed, shared and ramping incidents on a real graph."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.fleet.bursty_simulation import (
    BurstyIncident,
    apply_incidents,
    incident_plan,
    simulate_bursty_fleet,
)
from slo_engine.fleet.openmetrics import write_openmetrics

END = 1_767_225_600  # 2026-01-01T00:00:00Z
STEP_S = 300


def demo_topology() -> dict[str, Any]:
    demo = resources.files("slo_engine.samples").joinpath("demo-topology.json")
    return dict(json.loads(demo.read_bytes()))


@pytest.fixture(scope="module")
def fleet() -> Any:
    return simulate_bursty_fleet(demo_topology(), days=120, end_s=END, seed=5)


@pytest.fixture(scope="module")
def plan() -> list[BurstyIncident]:
    """Two hundred services over a year, the unreliable one being service 0."""
    return incident_plan(200, 365 * DAY_SECONDS // STEP_S, STEP_S, {0}, np.random.default_rng(1))


def own_incidents(plan: list[BurstyIncident]) -> list[BurstyIncident]:
    return [i for i in plan if len(i.services) == 1]


def test_the_same_seed_gives_the_same_fleet_and_another_seed_another() -> None:
    first = simulate_bursty_fleet(demo_topology(), days=3, end_s=END, seed=3)
    again = simulate_bursty_fleet(demo_topology(), days=3, end_s=END, seed=3)
    other = simulate_bursty_fleet(demo_topology(), days=3, end_s=END, seed=4)
    assert np.array_equal(first.failures, again.failures)
    assert first.events == again.events
    assert not np.array_equal(first.requests, other.requests)


def test_the_history_has_one_row_per_service_and_one_column_per_step(fleet: Any) -> None:
    assert fleet.requests.shape == fleet.failures.shape == (42, 120 * DAY_SECONDS // STEP_S)
    assert fleet.services == sorted(fleet.services)
    assert fleet.start_s + (fleet.steps - 1) * STEP_S == END
    assert fleet.latency_sigma.shape == (42,)


def test_counts_are_whole_requests_and_failures_never_exceed_them(fleet: Any) -> None:
    assert np.array_equal(fleet.requests, np.round(fleet.requests))
    assert (fleet.failures <= fleet.requests).all()


def test_a_caller_fails_at_least_as_often_as_its_hard_dependency(fleet: Any) -> None:
    gateway, auth = fleet.index("api-gateway"), fleet.index("auth-service")
    assert (fleet.failure_ratio[gateway] >= fleet.failure_ratio[auth] - 1e-12).all()


def test_shared_infrastructure_incidents_hit_several_services_at_once(fleet: Any) -> None:
    hit = Counter((e.start_s, e.end_s) for e in fleet.events if e.kind == "incident")
    assert max(hit.values()) >= 3


def test_incident_durations_are_heavy_tailed(plan: list[BurstyIncident]) -> None:
    minutes = np.array([(i.end - i.start) * STEP_S / 60 for i in own_incidents(plan)])
    assert 20 <= np.median(minutes) <= 60
    assert np.quantile(minutes, 0.99) > 10 * np.median(minutes)
    assert minutes.max() >= 12 * 60


def test_incidents_cluster_in_time_more_than_a_poisson_process(
    plan: list[BurstyIncident],
) -> None:
    starts = [i.start for i in own_incidents(plan) if i.services != (0,)]
    weekly = np.bincount(np.array(starts) // (7 * DAY_SECONDS // STEP_S))
    assert weekly.var() / weekly.mean() > 2


def test_some_services_go_months_without_an_incident(plan: list[BurstyIncident]) -> None:
    services_hit = {i.services[0] for i in own_incidents(plan)}
    assert 200 - len(services_hit) >= 10


def test_the_unreliable_service_has_ten_times_the_incidents_of_a_typical_one(
    plan: list[BurstyIncident],
) -> None:
    per_service = Counter(i.services[0] for i in own_incidents(plan))
    assert per_service[0] > 10 * np.median([per_service[s] for s in range(200)])


def test_a_quarter_of_own_incidents_are_slow_ramps(plan: list[BurstyIncident]) -> None:
    ramps = np.mean([i.ramp for i in own_incidents(plan)])
    assert 0.2 <= ramps <= 0.3


def test_a_ramp_climbs_to_its_peak_error_ratio() -> None:
    ramp = next(i for i in incident_plan(1, 50 * DAY_SECONDS // STEP_S, STEP_S, {0},
                                         np.random.default_rng(2)) if i.ramp)
    errors = np.zeros((1, 50 * DAY_SECONDS // STEP_S))
    apply_incidents(errors, [ramp])
    rising = errors[0, ramp.start:ramp.end]
    assert (np.diff(rising) > 0).all()
    assert rising[-1] == pytest.approx(ramp.severities[0])


def test_quiet_low_traffic_services_sit_beside_busy_ones(fleet: Any) -> None:
    per_second = fleet.requests.mean(axis=1) / STEP_S
    assert (per_second < 1).sum() >= 3
    assert np.median(per_second) > 5


def test_the_history_writes_as_openmetrics_like_the_first_simulator(tmp_path: Path) -> None:
    history = simulate_bursty_fleet(demo_topology(), days=1, end_s=END, seed=3)
    samples = write_openmetrics(history, tmp_path / "fleet.om")
    assert samples > 0
    assert (tmp_path / "fleet.om").read_text().rstrip().endswith("# EOF")
