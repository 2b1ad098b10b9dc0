"""The calls along a simulated fleet's edges, as the OpenTelemetry Collector's
servicegraph connector and Istio's proxies would count them (OpenMetrics for promtool).

Every request of a caller calls each of its dependencies once; a call fails as often as
its callee's requests do. Servicegraph: `traces_service_graph_request_total` and
`..._failed_total` by client, server and connection_type (`messaging_system` for async
edges, `database` into a datastore, `virtual_node` into an external API, none between
services), and the server latency of each call, `traces_service_graph_request_server_seconds`
(buckets only, the last day only: discovery reads no _sum or _count, and one hour), drawn
from the callee's end-to-end latency model. Istio sees only synchronous calls between
services in the mesh, reported by both proxies (`reporter` source and destination),
failures as response_code 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

import numpy as np

from slo_engine.fleet.lognormal import lognormal_cdf
from slo_engine.fleet.simulation import FleetHistory, SimulatedEdge

SERVICE_GRAPH = "traces_service_graph_request"
MESH = "istio_requests"
LINKERD = "response"
# Fewer than the connector's 16 default bounds, to keep files small; they span the model's
# callee latencies (a datastore's half millisecond to a deep chain's p99 near a second).
SERVER_LATENCY_BUCKETS_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
# Only the last day: discovery reads an hour, nothing else these buckets, and a month of
# them would nearly double the demo's 0.9 GB file (as if the connector started a day ago).
LATENCY_HISTORY_S = 86_400


def connection_type(edge: SimulatedEdge, history: FleetHistory) -> str | None:
    kind = history.kinds.get(history.services[edge.target], "internal")
    if not edge.sync:
        return "messaging_system"
    return {"datastore": "database", "external": "virtual_node"}.get(kind)


def in_mesh(edge: SimulatedEdge, history: FleetHistory) -> bool:
    ends = (history.services[edge.source], history.services[edge.target])
    return edge.sync and all(history.kinds.get(e, "internal") == "internal" for e in ends)


def write_edge_calls(history: FleetHistory, out: TextIO, steps: slice,
                     meshes: tuple[str, ...] = ("istio",),
                     latency_buckets: tuple[float, ...] = SERVER_LATENCY_BUCKETS_SECONDS
                     ) -> int:
    """The servicegraph families and each mesh's; returns the number of samples written.
    No latency buckets: no server-latency histogram (a connector configured without it)."""
    stamps = [str(history.start_s + k * history.step_s) for k in range(history.steps)][steps]
    calls = [(e, *_counts(e, history, steps)) for e in history.edges]
    written = 0
    for family, pick in ((SERVICE_GRAPH, 1), (f"{SERVICE_GRAPH}_failed", 2)):
        out.write(f"# TYPE {family} counter\n")
        for edge, *counts in calls:
            written += _write(out, f"{family}_total{{{_graph_labels(edge, history)}}}",
                              counts[pick - 1], stamps)
    if latency_buckets:
        written += _server_latency(history, out, steps, latency_buckets)
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


def _server_latency(history: FleetHistory, out: TextIO, steps: slice,
                    buckets: tuple[float, ...]) -> int:
    """Each edge's calls by the callee's lognormal latency over the history's last day (of
    the steps given); whole calls per bucket, so the cumulative counts grow in time and in
    `le`, the `+Inf` bucket being the request count."""
    family = f"{SERVICE_GRAPH}_server_seconds"
    out.write(f"# TYPE {family} histogram\n")
    every = np.arange(history.steps)[steps]
    kept = every[every >= history.steps - LATENCY_HISTORY_S // history.step_s]
    stamps = [str(history.start_s + int(k) * history.step_s) for k in kept]
    written = 0
    for edge in history.edges:
        requests = history.requests[edge.source]
        median = history.latency_median_s[edge.target]
        sigma = float(history.latency_sigma[edge.target])
        labels = _graph_labels(edge, history)
        for le in buckets:
            counts = np.rint(np.cumsum(requests * lognormal_cdf(le, median, sigma)))[kept]
            written += _write(out, f'{family}_bucket{{{labels},le="{le}"}}', counts.tolist(),
                              stamps)
        written += _write(out, f'{family}_bucket{{{labels},le="+Inf"}}',
                          np.cumsum(requests)[kept].tolist(), stamps)
    return written


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
