"""Correlated failures through shared failure domains: the independent composite at
correlation 0, the shared-domain product at correlation 1, and the Monte Carlo against
exact enumeration of every up/down state on small graphs (within its stated error)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import pytest

from slo_engine.domain.composite import Dependency, composite_availability
from slo_engine.domain.failure_domains import correlated_composite, failure_domain_weights

SERIAL = [Dependency("journey", s) for s in ("web", "cart", "pay", "db")]
SERIAL_OWN = {"journey": 1.0, "web": 0.999, "cart": 0.995, "pay": 0.99, "db": 0.98}
ZONES = {"web": {"zone": "a"}, "cart": {"zone": "a"}, "pay": {"zone": "b"},
         "db": {"zone": "b"}}
# journey needs web; web needs (r1 or r2); both replicas need db: a shared pivot.
GROUPED = [Dependency("journey", "web"), Dependency("web", "r1", redundancy_group="r"),
           Dependency("web", "r2", redundancy_group="r"), Dependency("r1", "db"),
           Dependency("r2", "db")]
GROUPED_OWN = {"journey": 1.0, "web": 0.99, "r1": 0.9, "r2": 0.85, "db": 0.97}
GROUPED_DOMAINS = {"web": {"zone": "a"}, "r1": {"zone": "a", "database": "pg"},
                   "r2": {"zone": "b", "database": "pg"}, "db": {"zone": "b"}}


def test_at_correlation_zero_a_serial_journey_is_exactly_the_independent_product() -> None:
    weights = failure_domain_weights(ZONES, {"zone": 0.0})
    result = correlated_composite("journey", SERIAL, SERIAL_OWN, weights, draws=2000)
    assert result.availability_ratio == pytest.approx(math.prod(SERIAL_OWN.values()),
                                                      abs=1e-15)
    assert result.standard_error_ratio == pytest.approx(0.0, abs=1e-15)
    assert result.shared_domains == {}


def test_at_correlation_zero_groups_agree_with_the_exact_composite_within_the_error() -> None:
    weights = failure_domain_weights(GROUPED_DOMAINS, {"zone": 0.0, "database": 0.0})
    result = correlated_composite("journey", GROUPED, GROUPED_OWN, weights, draws=40_000,
                                  seed=3)
    exact = composite_availability("journey", GROUPED, GROUPED_OWN).availability_ratio
    assert exact == pytest.approx(0.99 * 0.97 * (1 - 0.1 * 0.15), abs=1e-15)
    assert abs(result.availability_ratio - exact) <= 3 * result.standard_error_ratio
    assert 0 < result.standard_error_ratio < 0.002


def test_at_correlation_one_each_shared_domain_counts_once_at_its_least_available() -> None:
    weights = failure_domain_weights(ZONES, {"zone": 1.0})
    result = correlated_composite("journey", SERIAL, SERIAL_OWN, weights, draws=40_000,
                                  seed=5)
    shared_domain_product = min(0.999, 0.995) * min(0.99, 0.98)
    assert abs(result.availability_ratio - shared_domain_product) \
        <= 3 * result.standard_error_ratio
    assert 0 < result.standard_error_ratio < 0.001
    assert result.shared_domains == {"zone=a": ("cart", "web"), "zone=b": ("db", "pay")}


def test_correlation_keeps_each_service_at_its_own_availability() -> None:
    alone = [Dependency("journey", "pay")]
    weights = failure_domain_weights({"pay": {"zone": "b"}, "journey": {"zone": "b"}},
                                     {"zone": 1.0})
    result = correlated_composite("journey", alone, {"journey": 1.0, "pay": 0.97}, weights,
                                  draws=20_000, seed=1)
    assert abs(result.availability_ratio - 0.97) <= 3 * result.standard_error_ratio


@pytest.mark.parametrize("correlation", [0.3, 0.7, 1.0])
def test_the_monte_carlo_agrees_with_exact_enumeration_of_every_state(
        correlation: float) -> None:
    correlations = {"zone": correlation, "database": correlation}
    weights = failure_domain_weights(GROUPED_DOMAINS, correlations)
    result = correlated_composite("journey", GROUPED, GROUPED_OWN, weights, draws=60_000,
                                  seed=11)
    exact = _enumerated("journey", GROUPED, GROUPED_OWN, weights)
    assert abs(result.availability_ratio - exact) <= 3.5 * result.standard_error_ratio
    assert result.standard_error_ratio < 0.002


def test_a_serial_journey_enumerates_to_the_shared_domain_product_at_correlation_one() -> None:
    weights = failure_domain_weights(ZONES, {"zone": 1.0})
    assert _enumerated("journey", SERIAL, SERIAL_OWN, weights) == pytest.approx(
        0.995 * 0.98, abs=1e-12)


def test_weights_of_a_service_in_several_domains_are_scaled_to_sum_to_one() -> None:
    weights = failure_domain_weights(
        {"r1": {"zone": "a", "database": "pg", "cluster": ""}, "r2": {"zone": "b"},
         "plain": {}},
        {"zone": 0.8, "database": 0.4, "cluster": 0.5})
    assert weights == {"r1": {"zone=a": pytest.approx(2 / 3), "database=pg": pytest.approx(1 / 3)},
                       "r2": {"zone=b": 0.8}}


def _enumerated(root: str, dependencies: list[Dependency], own: Mapping[str, float],
                weights: Mapping[str, Mapping[str, float]]) -> float:
    """Exact: U_d is piecewise constant in effect between the driven services'
    availabilities, so integrate cell by cell; within a cell services are independent,
    and every up/down state is enumerated through the composite's structure (0/1)."""
    services = sorted(own)
    domains = sorted({d for s in services for d in weights.get(s, {})})
    cuts = [sorted({0.0, 1.0, *(own[s] for s in services if d in weights.get(s, {}))})
            for d in domains]
    total = 0.0
    for cell in itertools.product(*[list(itertools.pairwise(c)) for c in cuts]):
        width = math.prod(high - low for low, high in cell)
        moment = {d: (low + high) / 2 for d, (low, high) in zip(domains, cell, strict=True)}
        up = {s: _conditional(own[s], weights.get(s, {}), moment) for s in services}
        total += width * _state_sum(root, dependencies, services, up)
    return total


def _conditional(own: float, weights: Mapping[str, float], moment: Mapping[str, float]
                 ) -> float:
    return (1 - sum(weights.values())) * own + sum(
        w for d, w in weights.items() if moment[d] <= own)


def _state_sum(root: str, dependencies: list[Dependency], services: list[str],
               up: Mapping[str, float]) -> float:
    total = 0.0
    for states in itertools.product((True, False), repeat=len(services)):
        probability = math.prod(up[s] if state else 1 - up[s]
                                for s, state in zip(services, states, strict=True))
        if probability == 0.0:
            continue
        structure = composite_availability(
            root, dependencies, {s: float(state) for s, state in zip(services, states,
                                                                       strict=True)})
        total += probability * structure.availability_ratio
    return total
