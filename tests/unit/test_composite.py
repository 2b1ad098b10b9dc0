"""Composite availability: hand-computed cases, and Monte Carlo agreeing with the exact value."""

from __future__ import annotations

import random

import pytest

from slo_engine.domain.composite import (
    Dependency,
    composite_availability,
    published_sla_with_pessimism,
)


def hard(source: str, target: str, group: str | None = None) -> Dependency:
    return Dependency(source, target, redundancy_group=group)


def test_three_serial_hard_dependencies_multiply_ac003() -> None:
    deps = [hard("checkout", "payments"), hard("checkout", "cart"), hard("checkout", "auth")]
    availability = {"checkout": 0.9995, "payments": 0.999, "cart": 0.9995, "auth": 0.9999}
    result = composite_availability("checkout", deps, availability)
    assert result.availability_ratio == pytest.approx(0.9995 * 0.999 * 0.9995 * 0.9999, abs=1e-15)
    assert result.method == "exact"
    assert result.counted_services == ("auth", "cart", "checkout", "payments")


def test_a_diamond_counts_the_shared_dependency_once() -> None:
    deps = [hard("a", "b"), hard("a", "c"), hard("b", "d"), hard("c", "d")]
    availability = {"a": 1.0, "b": 0.99, "c": 0.98, "d": 0.9}
    result = composite_availability("a", deps, availability)
    # Per path it would be 0.99*0.9 * 0.98*0.9; per distinct service it is:
    assert result.availability_ratio == pytest.approx(0.99 * 0.98 * 0.9, abs=1e-15)


def test_a_redundancy_group_is_up_when_any_member_is() -> None:
    deps = [hard("router", "stripe", "cards"), hard("router", "adyen", "cards")]
    availability = {"router": 0.9999, "stripe": 0.999, "adyen": 0.995}
    result = composite_availability("router", deps, availability)
    assert result.availability_ratio == pytest.approx(
        0.9999 * (1 - (1 - 0.999) * (1 - 0.995)), abs=1e-15)
    assert result.essential_services == ("router",)


def test_replicas_sharing_a_database_condition_on_it() -> None:
    # api needs replica r1 or r2; both need db. Independent-branch maths would give
    # 1-(1-0.99*0.95)^2; the truth is 0.95 * (1-(1-0.99)^2).
    deps = [hard("api", "r1", "replicas"), hard("api", "r2", "replicas"),
            hard("r1", "db"), hard("r2", "db")]
    availability = {"api": 1.0, "r1": 0.99, "r2": 0.99, "db": 0.95}
    result = composite_availability("api", deps, availability)
    assert result.availability_ratio == pytest.approx(0.95 * (1 - 0.01 ** 2), abs=1e-15)
    assert result.method == "exact"


def test_a_shared_service_inside_and_outside_a_group_is_conditioned_exactly() -> None:
    # root needs (x or y) and z; x needs z. P = a_z * (1 - (1 - a_x) * (1 - a_y)) * a_root
    deps = [hard("root", "x", "g"), hard("root", "y", "g"), hard("root", "z"), hard("x", "z")]
    availability = {"root": 0.999, "x": 0.9, "y": 0.8, "z": 0.97}
    result = composite_availability("root", deps, availability)
    assert result.availability_ratio == pytest.approx(
        0.999 * 0.97 * (1 - 0.1 * 0.2), abs=1e-15)


def test_soft_degraded_and_async_dependencies_are_excluded_and_reported() -> None:
    deps = [hard("a", "b"),
            Dependency("a", "recs", criticality="soft"),
            Dependency("a", "images", criticality="degraded"),
            Dependency("a", "kafka", communication_mode="async")]
    result = composite_availability("a", deps, {"a": 0.999, "b": 0.99, "recs": 0.5})
    assert result.availability_ratio == pytest.approx(0.999 * 0.99, abs=1e-15)
    assert [(e.target, e.reason) for e in result.excluded] == [
        ("images", "degraded"), ("kafka", "async"), ("recs", "soft")]


def test_a_cycle_is_a_supernode_whose_members_must_all_be_up() -> None:
    deps = [hard("front", "pricing"), hard("pricing", "inventory"),
            hard("inventory", "pricing"), hard("inventory", "db")]
    availability = {"front": 1.0, "pricing": 0.99, "inventory": 0.98, "db": 0.999}
    result = composite_availability("front", deps, availability)
    assert result.availability_ratio == pytest.approx(0.99 * 0.98 * 0.999, abs=1e-15)
    assert result.supernodes == (("inventory", "pricing"),)


def test_services_without_availability_count_as_one_and_are_listed() -> None:
    result = composite_availability("a", [hard("a", "b")], {"a": 0.99})
    assert result.availability_ratio == pytest.approx(0.99)
    assert result.missing_availability == ("b",)


def test_the_published_sla_pessimism_reproduces_the_trd_example() -> None:
    assert published_sla_with_pessimism(0.9999) == pytest.approx(0.9989)


def random_graph(seed: int, services: int = 14) -> tuple[list[Dependency], dict[str, float]]:
    """A random DAG rich in redundancy groups whose members share dependencies."""
    rng = random.Random(seed)
    names = [f"s{i:02d}" for i in range(services)]
    deps = []
    for i in range(services - 2):
        targets = rng.sample(range(i + 1, services), min(3, services - i - 1))
        group = "replicas" if rng.random() < 0.6 else None
        deps += [hard(names[i], names[t], group if k < 2 else None)
                 for k, t in enumerate(targets)]
    availability = {n: rng.uniform(0.8, 0.999) for n in names}
    return deps, availability


def seeds_with_conditioning(count: int, services: int) -> list[int]:
    """Seeds whose graphs share services under redundancy groups: the hard case."""
    seeds = [s for s in range(200) if composite_availability(
        "s00", *random_graph(s, services), exact_pivot_limit=30).conditioned_services]
    assert len(seeds) >= count
    return seeds[:count]


@pytest.mark.parametrize("seed", seeds_with_conditioning(8, services=14))
def test_monte_carlo_agrees_with_the_exact_value_within_its_bound(seed: int) -> None:
    deps, availability = random_graph(seed)
    exact = composite_availability("s00", deps, availability, exact_pivot_limit=30)
    sampled = composite_availability("s00", deps, availability, exact_pivot_limit=-1,
                                     samples=400_000, seed=seed)
    assert exact.method == "exact"
    assert sampled.method == "monte_carlo"
    assert sampled.error_bound_ratio > 0
    # 95% half-width; allow 2x so eight draws do not flake.
    assert abs(sampled.availability_ratio - exact.availability_ratio) <= (
        2 * sampled.error_bound_ratio)


@pytest.mark.parametrize("seed", seeds_with_conditioning(6, services=10))
def test_brute_force_enumeration_matches_the_exact_method(seed: int) -> None:
    """Enumerate every up/down state of a small graph: the definition itself."""
    from itertools import product

    deps, availability = random_graph(seed, services=10)
    names = sorted(availability)
    groups: dict[str, dict[str, list[str]]] = {}
    for d in deps:
        groups.setdefault(d.source, {}).setdefault(d.redundancy_group or d.target, []).append(
            d.target)

    def up(service: str, state: dict[str, bool]) -> bool:
        return state[service] and all(any(up(t, state) for t in members)
                                      for members in groups.get(service, {}).values())

    total = 0.0
    for bits in product([True, False], repeat=len(names)):
        state = dict(zip(names, bits, strict=True))
        if up("s00", state):
            weight = 1.0
            for name, is_up in state.items():
                weight *= availability[name] if is_up else 1 - availability[name]
            total += weight
    exact = composite_availability("s00", deps, availability)
    assert exact.availability_ratio == pytest.approx(total, abs=1e-12)
