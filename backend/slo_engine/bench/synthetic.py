"""Synthetic dependency graphs shaped like real fleets, for benchmarks and tests.

Services sit in layers (edge -> BFF -> domain -> platform -> data); calls go mostly
downward with a heavy-tailed (preferential) choice of callee, as shared platform services
attract most callers; a few upward calls create the cycles real fleets have.
"""

from __future__ import annotations

import random
from typing import Any

LAYERS = ("edge", "bff", "domain", "platform", "data")
LAYER_SHARE = (0.05, 0.15, 0.45, 0.25, 0.10)
TEAMS = tuple(f"team-{i:02d}" for i in range(40))
CRITICALITIES = ("critical", "high", "medium", "low")


def synthetic_graph(services: int, edges: int, cycles: int = 20, seed: int = 7,
                    source: str = "otel_service_graph") -> dict[str, Any]:
    rng = random.Random(seed)
    layer_of = _assign_layers(services, rng)
    ids = [f"{layer_of[i]}-svc-{i:05d}" for i in range(services)]
    by_layer: dict[str, list[int]] = {layer: [] for layer in LAYERS}
    for i, layer in enumerate(layer_of):
        by_layer[layer].append(i)
    pairs = _downward_pairs(edges - cycles, layer_of, by_layer, rng)
    pairs |= _cycle_pairs(cycles, pairs, layer_of, rng)
    return {
        "source": source,
        "nodes": [_node(ids[i], layer_of[i], rng) for i in range(services)],
        "edges": [_edge(ids[a], ids[b], rng) for a, b in sorted(pairs)],
    }


def _assign_layers(services: int, rng: random.Random) -> list[str]:
    layers = []
    for layer, share in zip(LAYERS, LAYER_SHARE, strict=True):
        layers += [layer] * max(1, round(services * share))
    layers = layers[:services] + [LAYERS[2]] * max(0, services - len(layers))
    rng.shuffle(layers)
    return layers


def _downward_pairs(count: int, layer_of: list[str], by_layer: dict[str, list[int]],
                    rng: random.Random) -> set[tuple[int, int]]:
    weights = {layer: [1.0 / (rank + 1) ** 0.8 for rank in range(len(members))]
               for layer, members in by_layer.items()}
    callers = [i for i, layer in enumerate(layer_of) if layer != LAYERS[-1]]
    pairs: set[tuple[int, int]] = set()
    attempts = 0
    while len(pairs) < count and attempts < count * 20:
        attempts += 1
        caller = rng.choice(callers)
        depth = LAYERS.index(layer_of[caller])
        target_layer = LAYERS[min(len(LAYERS) - 1, depth + rng.choice((1, 1, 1, 2)))]
        if not by_layer[target_layer]:  # a fleet smaller than the layers has empty ones
            continue
        callee = rng.choices(by_layer[target_layer], weights[target_layer])[0]
        if callee != caller:
            pairs.add((caller, callee))
    return pairs


def _cycle_pairs(count: int, existing: set[tuple[int, int]], layer_of: list[str],
                 rng: random.Random) -> set[tuple[int, int]]:
    """Upward calls closing a loop: a callee that also calls back into its caller."""
    downward = [p for p in sorted(existing) if layer_of[p[0]] in LAYERS[1:4]]
    chosen = rng.sample(downward, min(count, len(downward)))
    return {(callee, caller) for caller, callee in chosen}


def _node(service_id: str, layer: str, rng: random.Random) -> dict[str, Any]:
    return {"service_id": service_id, "metadata": {
        "team": rng.choice(TEAMS), "criticality": rng.choice(CRITICALITIES),
        "tier": LAYERS.index(layer) + 1, "layer": layer,
    }}


def _edge(source: str, target: str, rng: random.Random) -> dict[str, Any]:
    mode = "async" if rng.random() < 0.1 else "sync"
    criticality = "hard" if rng.random() < 0.8 else rng.choice(("soft", "degraded"))
    return {"source": source, "target": target, "attributes": {
        "communication_mode": mode, "criticality": criticality,
        "protocol": "kafka" if mode == "async" else rng.choice(("grpc", "http")),
        "timeout_ms": rng.choice((200, 500, 1000, 2000)),
    }}
