"""`bench simulate`'s journey part (issue 19 item 7: a 40-step journey with correlated
failure domains on the 5,000-service graph, <= 2 s), measured in the what-if's session.

Every service gets a zone (3), a cluster (12), a database (200) and a node pool (60) from
its own generator, so the synthetic graph's edges are the other benchmarks'. The journey
starts at the what-if's edge service (the largest hard closure) and passes the first 40
services its calls reach, breadth first. Measured: GET /journeys/{id}/slo-recommendations
(both composites, 10,000 correlated draws, the entry's forecast from Prometheus, the
steps' shares), the first call after the journey was defined included.
"""

from __future__ import annotations

import random
import time
from collections import deque
from typing import Any

import httpx

TARGET_S = 2.0
STEPS = 40
DOMAINS = {"zone": 3, "cluster": 12, "database": 200, "node_pool": 60}


def with_failure_domains(graph: dict[str, Any], seed: int = 23) -> dict[str, Any]:
    rng = random.Random(seed)
    for node in graph["nodes"]:
        for key, count in DOMAINS.items():
            node["metadata"][key] = f"{key}-{rng.randrange(count)}"
    return graph


def journey_steps(graph: dict[str, Any], entry: str, count: int = STEPS) -> list[str]:
    """The entry and the services its calls reach first, breadth first (any edge kind)."""
    callees: dict[str, list[str]] = {}
    for edge in graph["edges"]:
        callees.setdefault(edge["source"], []).append(edge["target"])
    steps, seen, frontier = [entry], {entry}, deque([entry])
    while frontier and len(steps) < count:
        for callee in callees.get(frontier.popleft(), ()):
            if callee not in seen and len(steps) < count:
                seen.add(callee)
                steps.append(callee)
                frontier.append(callee)
    return steps


def time_journey(client: httpx.Client, steps: list[str], samples: int) -> dict[str, Any]:
    created = client.post("/api/v1/journeys", json={"name": "bench", "steps": steps})
    created.raise_for_status()
    path = f"/api/v1/journeys/{created.json()['journey_id']}/slo-recommendations"
    durations, last = [], {}
    for _ in range(max(samples, 1)):
        started = time.perf_counter()
        response = client.get(path)
        durations.append(time.perf_counter() - started)
        response.raise_for_status()
        last = response.json()
    composite = last["composite"]
    return {"steps": len(steps), "journey_s": round(max(durations), 3),
            "first_call_s": round(durations[0], 3),
            "median_s": round(sorted(durations)[len(durations) // 2], 3),
            "counted_services": composite["independent"]["counted_services"],
            "independent": composite["independent"]["availability"],
            "correlated": composite["correlated"]["availability"],
            "standard_error": composite["correlated"]["standard_error"],
            "failure_domains": len(composite["correlated"]["failure_domains"]),
            "observed_tiers": last["observed_tiers"] is not None, "stale": last["stale"],
            "stale_reason": last["stale_reason"]}
