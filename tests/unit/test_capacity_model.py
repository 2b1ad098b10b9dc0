"""The M/M/c capacity model of traffic and replica what-ifs, against hand-computed Erlang C."""

from __future__ import annotations

import math

import pytest

from slo_engine.domain.capacity_model import Queue, erlang_c, project, servers_per_replica

OBSERVED = {0.5: 0.1, 0.99: 0.5}


def test_erlang_c_matches_the_closed_forms() -> None:
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: the utilisation
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(2, 1.5) == pytest.approx(9 / 14)


def test_littles_law_at_the_stated_utilisation_gives_the_servers_per_replica() -> None:
    assert servers_per_replica(10, 0.1, 1, 0.5) == 2
    assert servers_per_replica(10, 0.1, 4, 0.5) == 1  # at least one


def test_half_again_the_traffic_adds_the_projected_queueing_wait() -> None:
    projection = project(10, 0.1, OBSERVED, 1, 1, 1.5, 0.5)
    assert projection.current == Queue(10, 0.1, 2)
    assert projection.projected.utilisation == pytest.approx(0.75)
    p50, p99 = projection.latency_s[0.5], projection.latency_s[0.99]
    assert p50 == pytest.approx((0.1, 0.1 + math.log((9 / 14) / 0.5) / 5))
    before = math.log((1 / 3) / 0.01) / 10
    assert p99 == pytest.approx((0.5, 0.5 - before + math.log((9 / 14) / 0.01) / 5))
    assert projection.saturated is False


def test_twice_the_traffic_saturates_and_projects_no_latency() -> None:
    projection = project(10, 0.1, OBSERVED, 1, 1, 2.0, 0.5)
    assert projection.saturated is True
    assert projection.latency_s[0.99] == (0.5, None)


def test_twice_the_replicas_carry_twice_the_traffic_at_the_same_utilisation() -> None:
    projection = project(10, 0.1, OBSERVED, 1, 2, 2.0, 0.5)
    assert projection.projected == Queue(20, 0.1, 4)
    assert projection.projected.utilisation == pytest.approx(0.5)
    assert projection.latency_s[0.5][1] == pytest.approx(0.1)  # below C: no wait at p50
