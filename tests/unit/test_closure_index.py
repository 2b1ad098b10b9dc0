from __future__ import annotations

import math
import random

import numpy as np
import pytest

from slo_engine.domain.closure_index import closure_index, serial_log_composites
from slo_engine.domain.composite import Dependency, composite_availability


def serial_graph(seed: int, services: int = 60) -> tuple[list[Dependency], dict[str, float]]:
    """Random layered graph with diamonds, a cycle, and soft / async edges."""
    rng = random.Random(seed)
    names = [f"s{i:02d}" for i in range(services)]
    deps = []
    for i in range(services - 1):
        for t in rng.sample(range(i + 1, services), min(3, services - i - 1)):
            kind = rng.random()
            deps.append(Dependency(names[i], names[t],
                                   "soft" if kind < 0.15 else "hard",
                                   "async" if 0.15 <= kind < 0.25 else "sync"))
    deps += [Dependency(names[30], names[40]), Dependency(names[40], names[30])]  # a cycle
    return deps, {n: rng.uniform(0.99, 0.99999) for n in names}


@pytest.mark.parametrize("seed", range(6))
def test_serial_composites_equal_the_composite_maths_for_every_root(seed: int) -> None:
    deps, own = serial_graph(seed)
    index = closure_index(own, deps)
    log_own = np.zeros(index.size)
    for service, ratio in own.items():
        log_own[index.component_of[service]] += math.log(ratio)
    roots = list(own)
    logs = serial_log_composites(index, [index.component_of[s] for s in roots], log_own)
    for root, value in zip(roots, logs, strict=True):
        expected = composite_availability(root, deps, own).availability_ratio
        assert math.exp(value) == pytest.approx(expected, rel=1e-12), root


def test_a_diamond_counts_its_bottom_once_and_soft_edges_not_at_all() -> None:
    deps = [Dependency("a", "b"), Dependency("a", "c"), Dependency("b", "d"),
            Dependency("c", "d"), Dependency("a", "e", criticality="soft")]
    index = closure_index("abcde", deps)
    own = {"a": 0.9, "b": 0.8, "c": 0.7, "d": 0.5, "e": 0.1}
    log_own = np.array([math.log(own[index.members[c][0]]) for c in range(index.size)])
    (value,) = serial_log_composites(index, [index.component_of["a"]], log_own)
    assert math.exp(value) == pytest.approx(0.9 * 0.8 * 0.7 * 0.5)
    assert not index.needs(index.component_of["a"], index.component_of["e"])
    assert sorted(index.members[c][0] for c in
                  index.dependents_of(index.component_of["d"])) == ["a", "b", "c"]


def test_a_cycle_is_one_component_and_groups_mark_every_closure_above_them() -> None:
    deps = [Dependency("top", "mid"), Dependency("mid", "x"), Dependency("x", "y"),
            Dependency("y", "x"), Dependency("mid", "r1", redundancy_group="g"),
            Dependency("mid", "r2", redundancy_group="g"), Dependency("other", "x")]
    index = closure_index(["top", "mid", "x", "y", "r1", "r2", "other"], deps)
    assert index.component_of["x"] == index.component_of["y"]
    assert index.members[index.component_of["x"]] == ("x", "y")
    grouped = {s for s, c in index.component_of.items() if index.grouped[c]}
    assert grouped == {"top", "mid"}


def test_blocks_of_roots_give_the_same_answer_as_one_by_one() -> None:
    deps, own = serial_graph(3, services=80)
    index = closure_index(own, deps)
    log_own = np.log(np.linspace(0.99, 0.9999, index.size))
    roots = list(range(index.size)) * 12  # more than one block
    together = serial_log_composites(index, roots, log_own)
    one_by_one = [serial_log_composites(index, [r], log_own)[0] for r in roots[:80]]
    assert together[:80] == pytest.approx(one_by_one, rel=1e-12)
