"""Strongly connected components of the dependency graph and a readable cycle for each.

Tarjan's algorithm (Tarjan 1972), iterative so a 5,000-service chain cannot overflow
Python's recursion limit; O(V + E).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Adjacency = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Cycle:
    """A strongly connected component of two or more services (or one calling itself)."""

    members: tuple[str, ...]
    path: tuple[str, ...]

    @property
    def cycle_id(self) -> str:
        """Stable across ingestions: the same member set is the same cycle."""
        digest = hashlib.sha256("\n".join(self.members).encode()).hexdigest()
        return f"scc-{digest[:16]}"


def strongly_connected_components(adjacency: Adjacency) -> list[list[str]]:
    """Every SCC, each a list of service ids, in reverse topological order."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in adjacency:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child_pos = work.pop()
            if child_pos == 0:
                index[node] = lowlink[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = adjacency.get(node, ())
            descended = False
            while child_pos < len(children):
                child = children[child_pos]
                child_pos += 1
                if child not in index:
                    work.append((node, child_pos))
                    work.append((child, 0))
                    descended = True
                    break
                if child in on_stack:
                    lowlink[node] = min(lowlink[node], index[child])
            if descended:
                continue
            if lowlink[node] == index[node]:
                components.append(_pop_component(node, stack, on_stack))
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
    return components


def _pop_component(root: str, stack: list[str], on_stack: set[str]) -> list[str]:
    component = []
    while True:
        member = stack.pop()
        on_stack.discard(member)
        component.append(member)
        if member == root:
            return component


def find_cycles(adjacency: Adjacency) -> list[Cycle]:
    """Components that contain a cycle, each with a shortest cycle through its first member."""
    cycles = []
    for component in strongly_connected_components(adjacency):
        members = tuple(sorted(component))
        start = members[0]
        if len(members) == 1 and start not in adjacency.get(start, ()):
            continue
        cycles.append(Cycle(members, shortest_cycle_through(start, adjacency, set(members))))
    return sorted(cycles, key=lambda c: c.members)


def shortest_cycle_through(start: str, adjacency: Adjacency, within: set[str]) -> tuple[str, ...]:
    """Breadth-first from `start` back to itself, staying inside its component."""
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(adjacency.get(node, ())):
            if child not in within:
                continue
            if child == start:
                return _walk_back(node, parent, start)
            if child not in parent:
                parent[child] = node
                queue.append(child)
    raise ValueError(f"{start} is on no cycle inside its component")


def _walk_back(last: str, parent: dict[str, str], start: str) -> tuple[str, ...]:
    path = [last]
    while path[-1] != start:
        path.append(parent[path[-1]])
    return (*reversed(path), start)
