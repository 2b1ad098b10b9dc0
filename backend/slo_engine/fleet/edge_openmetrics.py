"""The calls along a simulated fleet's edges, as the OpenTelemetry Collector's
servicegraph connector and Istio's proxies would count them (OpenMetrics for promtool).

Every request of a caller calls each of its dependencies once; a call fails as often as
its callee's requests do. Servicegraph: `traces_service_graph_request_total` and
`..._failed_total` by client, server and connection_type (`messaging_system` for async
edges, `database` into a datastore, `virtual_node` into an external API, none between
services). Istio sees only synchronous calls between services in the mesh, reported by
both proxies (`reporter` source and destination), failures as response_code 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

import numpy as np

from slo_engine.fleet.simulation import FleetHistory, SimulatedEdge

SERVICE_GRAPH = "traces_service_graph_request"
MESH = "istio_requests"
LINKERD = "response"


def connection_type(edge: SimulatedEdge, history: FleetHistory) -> str | None:
    kind = history.kinds.get(history.services[edge.target], "internal")
    if not edge.sync:
        return "messaging_system"
    return {"datastore": "database", "external": "virtual_node"}.get(kind)


def in_mesh(edge: SimulatedEdge, history: FleetHistory) -> bool:
    ends = (history.services[edge.source], history.services[edge.target])
    return edge.sync and all(history.kinds.get(e, "internal") == "internal" for e in ends)


def write_edge_calls(history: FleetHistory, out: TextIO, steps: slice,
                     meshes: tuple[str, ...] = ("istio",)) -> int:
    """The servicegraph families and each mesh's; returns the number of samples written."""
    stamps = [str(history.start_s + k * history.step_s) for k in range(history.steps)][steps]
    calls = [(e, *_counts(e, history, steps)) for e in history.edges]
    written = 0
    for family, pick in ((SERVICE_GRAPH, 1), (f"{SERVICE_GRAPH}_failed", 2)):
        out.write(f"# TYPE {family} counter\n")
        for edge, *counts in calls:
            written += _write(out, f"{family}_total{{{_graph_labels(edge, history)}}}",
                              counts[pick - 1], stamps)
    if "istio" in meshes:
        out.write(f"# TYPE {MESH} counter\n")
        for name, values in _mesh_series(calls, history):
            written += _write(out, name, values, stamps)
    if "linkerd" in meshes:
        out.write(f"# TYPE {LINKERD} counter\n")
        for name, values in _linkerd_series(calls, history):
            written += _write(out, name, values, stamps)
    return written


def _counts(edge: SimulatedEdge, history: FleetHistory, steps: slice
            ) -> tuple[list[float], list[float]]:
    requests = history.requests[edge.source]
    # Whole failures per step, none more than the step's calls: both counters only grow.
    failed = np.cumsum(np.rint(requests * np.clip(history.failure_ratio[edge.target], 0, 1)))
    return np.cumsum(requests)[steps].tolist(), failed[steps].tolist()


def _graph_labels(edge: SimulatedEdge, history: FleetHistory) -> str:
    labels = f'client="{history.services[edge.source]}",server="{history.services[edge.target]}"'
    kind = connection_type(edge, history)
    return labels if kind is None else f'{labels},connection_type="{kind}"'


def _mesh_series(calls: list[tuple[SimulatedEdge, list[float], list[float]]],
                 history: FleetHistory) -> Iterator[tuple[str, list[float]]]:
    for edge, requests, failed in calls:
        if not in_mesh(edge, history):
            continue
        ends = (f'destination_workload="{history.services[edge.target]}",'
                f'source_workload="{history.services[edge.source]}"')
        good = [r - f for r, f in zip(requests, failed, strict=True)]
        for reporter in ("destination", "source"):
            yield f'{MESH}_total{{{ends},reporter="{reporter}",response_code="200"}}', good
            yield f'{MESH}_total{{{ends},reporter="{reporter}",response_code="500"}}', failed


def _linkerd_series(calls: list[tuple[SimulatedEdge, list[float], list[float]]],
                    history: FleetHistory) -> Iterator[tuple[str, list[float]]]:
    """Outbound per call; inbound per callee, summed over its callers (its proxy does not
    tell them apart)."""
    inbound: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for edge, requests, failed in calls:
        if not in_mesh(edge, history):
            continue
        source, target = history.services[edge.source], history.services[edge.target]
        good = np.subtract(requests, failed)
        yield from _linkerd_pair(
            f'deployment="{source}",direction="outbound",dst_deployment="{target}"',
            good, np.asarray(failed))
        seen = inbound.get(target, (np.zeros(len(good)), np.zeros(len(good))))
        inbound[target] = (seen[0] + good, seen[1] + np.asarray(failed))
    for target, (total_good, total_failed) in sorted(inbound.items()):
        yield from _linkerd_pair(f'deployment="{target}",direction="inbound"', total_good,
                                 total_failed)


def _linkerd_pair(ends: str, good: np.ndarray, failed: np.ndarray
                  ) -> Iterator[tuple[str, list[float]]]:
    yield f'{LINKERD}_total{{classification="success",{ends},status_code="200"}}', good.tolist()
    yield (f'{LINKERD}_total{{classification="failure",{ends},status_code="500"}}',
           failed.tolist())


def _write(out: TextIO, name: str, values: list[float], stamps: list[str]) -> int:
    out.write("".join(f"{name} {v:.15g} {t}\n" for v, t in zip(values, stamps, strict=True)))
    return len(stamps)
