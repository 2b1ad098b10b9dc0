"""Edges observed in runtime telemetry (trace service graphs, service meshes), and how a
discovery run turns them into one graph submission per source.

Node kinds follow the OpenTelemetry Collector's servicegraph connector: `connection_type`
`messaging_system` is an asynchronous call through a broker, `database` a call to a
datastore, `virtual_node` a call to a peer that emits no spans of its own (an external
API, unless its name says it is a datastore).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from slo_engine.domain.bucket_quantile import Bucket, LatencyQuantiles, latency_quantiles
from slo_engine.domain.ingestion import GraphSubmission
from slo_engine.domain.model import (
    DEFAULT_SOURCE_CONFIDENCE,
    CommunicationMode,
    DiscoverySource,
    EdgeReport,
    ServiceRecord,
    ServiceType,
)

MESSAGING = "messaging_system"
DATABASE = "database"
VIRTUAL_NODE = "virtual_node"
DISCOVERED_KIND_KEY = "discovered_kind"  # node metadata: datastore or external


class NodeKind(StrEnum):
    INTERNAL = "internal"
    DATASTORE = "datastore"
    EXTERNAL = "external"


@dataclass(frozen=True)
class NodeNaming:
    """Names that mark a server as a datastore or an external peer (settings)."""

    datastore_regex: str = (r"(.*-(db|database|cache|redis)|postgres.*|mysql.*|redis.*"
                            r"|mongo.*|kafka.*|rabbitmq.*)")
    external_regex: str = r".*\..*"  # a host name: api.stripe.com

    def kind_of(self, server: str, connection_type: str) -> NodeKind:
        """Datastore for `database` or a datastore's name; external for a virtual node or
        an external name; internal otherwise."""
        if connection_type == DATABASE or re.fullmatch(self.datastore_regex, server):
            return NodeKind.DATASTORE
        if connection_type == VIRTUAL_NODE or re.fullmatch(self.external_regex, server):
            return NodeKind.EXTERNAL
        return NodeKind.INTERNAL


@dataclass(frozen=True)
class ObservedEdge:
    """Calls from client to server seen by one source over a window."""

    source: DiscoverySource
    client: str
    server: str
    mode: CommunicationMode
    server_kind: NodeKind
    requests: float
    failed_requests: float
    last_seen_s: int
    server_latency: LatencyQuantiles | None = None  # servicegraph's histogram, if written

    @property
    def pair(self) -> tuple[str, str]:
        return (self.client, self.server)


UNKNOWN_WORKLOADS = frozenset({"", "unknown"})  # Istio's name for callers outside the mesh
SOURCE_REPORTER = "source"


@dataclass(frozen=True)
class EdgeRow:
    """One answer row of a source's query: traffic over the window for a label set."""

    client: str
    server: str
    connection_type: str
    reporter: str
    requests: float
    failed_requests: float
    last_seen_s: int


def observed_edges(rows: Iterable[EdgeRow], source: DiscoverySource, naming: NodeNaming
                   ) -> list[ObservedEdge]:
    """Rows -> one edge per (client, server): a mesh reports each call twice (the
    client's and the server's proxy), so the client's report wins where it exists;
    unnamed workloads and rows without traffic are dropped."""
    chosen: dict[tuple[str, str], EdgeRow] = {}
    for row in rows:
        if row.client in UNKNOWN_WORKLOADS or row.server in UNKNOWN_WORKLOADS:
            continue
        if row.requests <= 0:
            continue
        known = chosen.get((row.client, row.server))
        if known is None or _preferred(row, known):
            chosen[(row.client, row.server)] = row
    return [_edge(row, source, naming) for _, row in sorted(chosen.items())]


def busiest_per_source(edges: Iterable[ObservedEdge]) -> list[ObservedEdge]:
    """One edge per source and pair: where two families of one source (Istio and Linkerd,
    both service_mesh) report the same call, the busier report; order kept otherwise."""
    kept: dict[tuple[DiscoverySource, str, str], ObservedEdge] = {}
    for edge in edges:
        key = (edge.source, *edge.pair)
        if key not in kept or edge.requests > kept[key].requests:
            kept[key] = edge
    return list(kept.values())


def with_server_latency(edges: Iterable[ObservedEdge],
                        buckets: Mapping[tuple[str, str], list[Bucket]]) -> list[ObservedEdge]:
    """The edges with the p50 and p99 of their pair's server-latency buckets; an edge
    whose pair has none (no histogram, or no samples in the window) keeps none."""
    return [replace(e, server_latency=latency_quantiles(buckets.get(e.pair, [])))
            for e in edges]


def _preferred(row: EdgeRow, known: EdgeRow) -> bool:
    if row.reporter != known.reporter:
        return row.reporter == SOURCE_REPORTER
    return row.requests > known.requests  # two connection types: the busier one


def _edge(row: EdgeRow, source: DiscoverySource, naming: NodeNaming) -> ObservedEdge:
    mode = CommunicationMode.ASYNC if row.connection_type == MESSAGING else CommunicationMode.SYNC
    return ObservedEdge(source, row.client, row.server, mode,
                        naming.kind_of(row.server, row.connection_type), row.requests,
                        row.failed_requests, row.last_seen_s)


@dataclass(frozen=True)
class ConfidencePolicy:
    """Confidence = the source's prior x (1 - exp(-requests / volume_scale)) x
    0.5 ** (age / half_life): a few calls, or calls long ago, are weak evidence."""

    volume_scale_requests: float = 100.0
    recency_half_life_seconds: float = 3600.0

    def confidence(self, edge: ObservedEdge, now_s: int) -> float:
        volume = 1.0 - math.exp(-edge.requests / self.volume_scale_requests)
        age = max(0, now_s - edge.last_seen_s)
        recency = math.pow(0.5, age / self.recency_half_life_seconds)
        return round(DEFAULT_SOURCE_CONFIDENCE[edge.source] * volume * recency, 4)


def edge_report(edge: ObservedEdge, now_s: int, policy: ConfidencePolicy) -> EdgeReport:
    return EdgeReport(
        edge.client, edge.server, {"communication_mode": edge.mode.value},
        confidence_ratio=policy.confidence(edge, now_s),
        metadata={"requests": round(edge.requests), "failed_requests":
                  round(edge.failed_requests), "last_seen_at_ms": edge.last_seen_s * 1000,
                  **_latency_metadata(edge.server_latency)})


def _latency_metadata(latency: LatencyQuantiles | None) -> dict[str, float]:
    if latency is None:
        return {}
    return {"server_p50_seconds": round(latency.p50_s, 6),
            "server_p99_seconds": round(latency.p99_s, 6)}


def node_records(edges: Iterable[ObservedEdge]) -> list[ServiceRecord]:
    """The datastores and externals the edges call; internal services are left to the
    placeholders ingestion creates (a runtime source knows no team or tier)."""
    kinds = {e.server: e.server_kind for e in edges if e.server_kind is not NodeKind.INTERNAL}
    return [ServiceRecord(server, service_type=(ServiceType.EXTERNAL
                                                if kind is NodeKind.EXTERNAL
                                                else ServiceType.INTERNAL),
                          metadata={DISCOVERED_KIND_KEY: kind.value})
            for server, kind in sorted(kinds.items())]


def submissions_from(edges: list[ObservedEdge], now_s: int, policy: ConfidencePolicy
                     ) -> list[GraphSubmission]:
    """One submission per source that saw any traffic, edges sorted by pair; self-calls
    (a service calling itself) are dropped."""
    by_source: dict[DiscoverySource, list[ObservedEdge]] = {}
    for edge in edges:
        if edge.client != edge.server and edge.requests > 0:
            by_source.setdefault(edge.source, []).append(edge)
    return [GraphSubmission(source, now_s * 1000, node_records(seen),
                            [edge_report(e, now_s, policy)
                             for e in sorted(seen, key=lambda e: e.pair)])
            for source, seen in sorted(by_source.items(), key=lambda item: item[0].rank)]
