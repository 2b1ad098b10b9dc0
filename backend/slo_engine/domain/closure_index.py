"""What every service needs, for all services at once: the hard-dependency closure of each
strongly connected component as a bitset, built children first in one pass (O(E) big-int
ORs). It answers fleet-wide questions the per-service composite would answer thousands
of times over: who needs a service, and what each of them can at best achieve.

Where a closure holds no redundancy group, every counted service is serial-essential and
the composite is the plain product of own availabilities over the closure (the distinct
set, so a diamond counts its bottom once). Closures with groups are marked `grouped`;
their composite needs the exact method in `composite.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from slo_engine.domain.composite import Dependency
from slo_engine.domain.cycles import strongly_connected_components

ROWS_PER_BLOCK = 512  # bounds the bit matrix unpacked at once (512 x n float32)


@dataclass(frozen=True)
class ClosureIndex:
    members: list[tuple[str, ...]]  # per component, numbered children first (Tarjan)
    component_of: Mapping[str, int]
    closure: list[int]  # bit c set: component c is needed (the component itself included)
    grouped: list[bool]  # some edge in the closure belongs to a redundancy group

    @property
    def size(self) -> int:
        return len(self.members)

    def needs(self, component: int, dependency: int) -> bool:
        return bool(self.closure[component] >> dependency & 1)

    def dependents_of(self, component: int) -> list[int]:
        """Every other component whose closure holds this one."""
        return [c for c in range(self.size) if c != component and self.needs(c, component)]


def closure_index(services: Iterable[str], dependencies: Iterable[Dependency]) -> ClosureIndex:
    """Only hard, synchronous edges count (composite.py's rule)."""
    adjacency: dict[str, list[str]] = {s: [] for s in services}
    grouped_sources: set[str] = set()
    for d in dependencies:
        if d.exclusion_reason is None:
            adjacency.setdefault(d.source, []).append(d.target)
            adjacency.setdefault(d.target, [])
            if d.redundancy_group:
                grouped_sources.add(d.source)
    components = strongly_connected_components(adjacency)
    component_of = {s: c for c, members in enumerate(components) for s in members}
    closure, grouped = [0] * len(components), [False] * len(components)
    for c, members in enumerate(components):  # children come first
        bits, has_group = 1 << c, any(s in grouped_sources for s in members)
        for child in {component_of[t] for s in members for t in adjacency[s]} - {c}:
            bits |= closure[child]
            has_group = has_group or grouped[child]
        closure[c], grouped[c] = bits, has_group
    return ClosureIndex([tuple(sorted(m)) for m in components], component_of, closure, grouped)


def closure_matrices(index: ClosureIndex, roots: list[int]) -> Iterator[np.ndarray]:
    """The roots' closures as 0/1 rows (one column per component), a block at a time."""
    n_bytes = (index.size + 7) // 8
    for start in range(0, len(roots), ROWS_PER_BLOCK):
        block = roots[start:start + ROWS_PER_BLOCK]
        packed = np.frombuffer(b"".join(index.closure[c].to_bytes(n_bytes, "little")
                                        for c in block), dtype=np.uint8)
        bits = np.unpackbits(packed.reshape(len(block), n_bytes), axis=1, bitorder="little")
        yield bits[:, :index.size]


def serial_log_composites(index: ClosureIndex, roots: list[int], log_own: np.ndarray
                          ) -> np.ndarray:
    """Sum of log own availability over each root's closure (its own component included):
    exp() of it is the serial composite."""
    weights = np.asarray(log_own, dtype=np.float64)
    blocks = [bits @ weights for bits in closure_matrices(index, roots)]
    return np.concatenate(blocks) if blocks else np.empty(0)
