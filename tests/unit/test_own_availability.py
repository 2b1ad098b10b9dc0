"""Own availabilities recovered from observed ones, judged against brute-force enumeration:
every up/down state of every service is weighed, a service succeeds when it is up and
each group of its hard dependencies has a member that succeeds (the greatest fixed
point, so a cycle is all-must-be-up), and the bound of a root is its success
probability with the root itself taken as perfect."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import pytest

from slo_engine.domain.composite import Dependency, composite_availability
from slo_engine.domain.own_availability import own_availabilities


def hard(source: str, target: str, group: str | None = None) -> Dependency:
    return Dependency(source, target, redundancy_group=group)


def _succeeding(up: set[str], deps: list[Dependency]) -> set[str]:
    groups: dict[str, dict[str, set[str]]] = {}
    for d in deps:
        groups.setdefault(d.source, {}).setdefault(d.redundancy_group or d.target,
                                                   set()).add(d.target)
    succeeding = set(up)
    while True:
        failing = {s for s in succeeding
                   if any(not members & succeeding for members in groups.get(s, {}).values())}
        if not failing:
            return succeeding
        succeeding -= failing


def enumerated_success(own: Mapping[str, float], deps: list[Dependency]) -> dict[str, float]:
    """P(each service succeeds), by weighing all 2^n own states."""
    services = sorted(own)
    success = dict.fromkeys(services, 0.0)
    for states in itertools.product((True, False), repeat=len(services)):
        weight = math.prod(own[s] if up else 1 - own[s] for s, up in zip(services, states,
                                                                        strict=True))
        for s in _succeeding({s for s, up in zip(services, states, strict=True) if up}, deps):
            success[s] += weight
    return success


def engine_bound(root: str, true_own: Mapping[str, float], deps: list[Dependency]) -> float:
    """The bound the engine computes from what Prometheus would observe."""
    observed = enumerated_success(true_own, deps)
    own = own_availabilities(observed, deps)
    return composite_availability(root, deps, {**own, root: 1.0}).availability_ratio


def reference_bound(root: str, true_own: Mapping[str, float], deps: list[Dependency]) -> float:
    return enumerated_success({**true_own, root: 1.0}, deps)[root]


GRAPHS = {
    "a cycle below the root": (
        [hard("r", "a"), hard("a", "b"), hard("b", "a"), hard("b", "c")],
        {"r": 0.99, "a": 0.97, "b": 0.95, "c": 0.98}),
    "two cycles sharing a dependency": (
        [hard("r", "a"), hard("r", "x"), hard("a", "b"), hard("b", "a"), hard("x", "y"),
         hard("y", "x"), hard("b", "s"), hard("y", "s")],
        {"r": 0.99, "a": 0.97, "b": 0.96, "x": 0.95, "y": 0.98, "s": 0.9}),
    "a cycle under a redundancy group": (
        [hard("r", "p1", "g"), hard("r", "p2", "g"), hard("p1", "q"), hard("q", "p1"),
         hard("p2", "s"), hard("q", "s")],
        {"r": 0.99, "p1": 0.9, "q": 0.85, "p2": 0.8, "s": 0.97}),
    "a dependency whose own dependencies share one": (
        [hard("r", "a"), hard("a", "b"), hard("a", "c"), hard("b", "d"), hard("c", "d")],
        {"r": 0.99, "a": 0.97, "b": 0.95, "c": 0.9, "d": 0.8}),
    "one dependency in two redundancy groups": (
        [hard("r", "a"), hard("a", "x", "g1"), hard("a", "y", "g1"), hard("a", "x", "g2"),
         hard("a", "z", "g2")],
        {"r": 0.99, "a": 0.9, "x": 0.9, "y": 0.9, "z": 0.9}),
    "a cycle whose members need one service serially and in a group": (
        [hard("r", "m"), hard("m", "r"), hard("r", "x"), hard("m", "x", "g"),
         hard("m", "y", "g")],
        {"r": 0.95, "m": 0.95, "x": 0.9, "y": 0.9}),
    "a diamond under a redundancy group": (
        [hard("r", "a", "g"), hard("r", "b", "g"), hard("a", "d"), hard("b", "d"),
         hard("r", "e")],
        {"r": 0.99, "a": 0.9, "b": 0.8, "d": 0.95, "e": 0.97}),
    # Members of the root's own cycle are alike: history cannot tell their shares apart.
    "the root in a cycle": (
        [hard("r", "m"), hard("m", "r"), hard("m", "d")],
        {"r": 0.96, "m": 0.96, "d": 0.9}),
    "the root in a cycle with a shared dependency and a group": (
        [hard("r", "m"), hard("m", "n"), hard("n", "r"), hard("r", "d"), hard("m", "d"),
         hard("n", "e1", "g"), hard("n", "e2", "g"), hard("e1", "d")],
        {"r": 0.97, "m": 0.97, "n": 0.97, "d": 0.93, "e1": 0.8, "e2": 0.7}),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_the_bound_from_observed_history_equals_brute_force_enumeration(name: str) -> None:
    deps, true_own = GRAPHS[name]
    assert engine_bound("r", true_own, deps) == pytest.approx(
        reference_bound("r", true_own, deps), abs=1e-9)


def test_a_root_in_a_cycle_leaves_out_its_own_failures_not_its_cycle_mates() -> None:
    deps = [hard("r", "m"), hard("m", "r")]
    observed = enumerated_success({"r": 0.9, "m": 0.9}, deps)
    assert observed == pytest.approx({"r": 0.81, "m": 0.81})
    own = own_availabilities(observed, deps)
    assert own == pytest.approx({"r": 0.9, "m": 0.9})
    bound = composite_availability("r", deps, {**own, "r": 1.0}).availability_ratio
    assert bound == pytest.approx(0.9)  # was 0.81: m's observation holds r's failures


def test_cycle_members_that_observed_more_failure_carry_more_of_it() -> None:
    own = own_availabilities({"r": 0.9, "m": 0.8}, [hard("r", "m"), hard("m", "r")])
    failure_r, failure_m = -math.log(0.9), -math.log(0.8)
    component = (failure_r + failure_m) / 2
    assert own["r"] == pytest.approx(math.exp(-component * failure_r / (failure_r + failure_m)))
    assert own["m"] == pytest.approx(math.exp(-component * failure_m / (failure_r + failure_m)))
    assert own["r"] * own["m"] == pytest.approx(math.sqrt(0.9 * 0.8))


def test_own_availability_is_recovered_from_observed_values_along_a_chain() -> None:
    deps = [hard("a", "b"), hard("b", "c")]
    observed = {"c": 0.97, "b": 0.98 * 0.97, "a": 0.99 * 0.98 * 0.97}
    own = own_availabilities(observed, deps)
    assert own == pytest.approx({"a": 0.99, "b": 0.98, "c": 0.97})
    bound = composite_availability("a", deps, {**own, "a": 1.0}).availability_ratio
    assert bound == pytest.approx(0.98 * 0.97)  # not 0.98*0.97 * 0.97: c counted once


def test_a_service_below_an_unobserved_one_is_still_divided_out() -> None:
    deps = [hard("a", "u"), hard("u", "k")]
    own = own_availabilities({"a": 0.99 * 0.9, "k": 0.9}, deps)
    assert own == pytest.approx({"a": 0.99, "k": 0.9})


def test_soft_dependencies_are_not_divided_out_and_own_never_exceeds_one() -> None:
    own = own_availabilities({"a": 0.999, "b": 0.99, "recs": 0.5},
                             [hard("a", "b"), Dependency("a", "recs", criticality="soft")])
    assert own == {"a": 1.0, "b": 0.99, "recs": 0.5}
