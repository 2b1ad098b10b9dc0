"""Finds the graph's strongly connected components and keeps supernodes and alerts in step."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from slo_engine.application.ports import GraphStore
from slo_engine.domain.cycles import Cycle, find_cycles


@dataclass(frozen=True)
class CycleReport:
    cycles: list[Cycle]
    new_cycle_ids: set[str]
    resolved_cycle_ids: list[str]
    scc_seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "total": len(self.cycles),
            "new": [
                {"cycle_id": c.cycle_id, "cycle_path": list(c.path), "members": len(c.members)}
                for c in self.cycles if c.cycle_id in self.new_cycle_ids
            ],
            "resolved": self.resolved_cycle_ids,
        }


def detect_cycles(graph: GraphStore, ingestion_id: str, now_ms: int) -> CycleReport:
    """Run under the graph write lock: it replaces supernodes wholesale."""
    started = time.perf_counter()
    adjacency = graph.dependency_pairs()
    read = time.perf_counter()
    cycles = find_cycles(adjacency)
    computed = time.perf_counter()
    graph.replace_supernodes(cycles, now_ms)
    new_ids = graph.upsert_cycle_alerts(cycles, ingestion_id, now_ms)
    resolved = graph.resolve_vanished_cycle_alerts([c.cycle_id for c in cycles], now_ms)
    done = time.perf_counter()
    return CycleReport(cycles, new_ids, resolved, done - started, {
        "read_edges_s": read - started,
        "tarjan_s": computed - read,
        "store_s": done - computed,
    })
