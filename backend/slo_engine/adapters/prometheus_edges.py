"""The EdgeTelemetry port on the Prometheus HTTP API.

Two families, names from settings:
- the OpenTelemetry Collector's servicegraph connector:
  `traces_service_graph_request_total` and `..._failed_total` by `client`, `server`,
  `connection_type` -> source otel_service_graph;
- Istio's `istio_requests_total` by `source_workload`, `destination_workload`, `reporter`
  (failures: `response_code` 5xx) -> source service_mesh;
- Linkerd's `response_total{direction="outbound"}` by `deployment` (the caller's proxy)
  and `dst_deployment` (failures: `classification="failure"`) -> source service_mesh,
  when enabled. Where both meshes report a pair, the busier report is kept.
Per family three instant queries at the window's end: requests (increase over the
window), failed requests, and when each label set was last sampled; for servicegraph a
fourth, its server-latency buckets' increase by (client, server, le), for each edge's p50
and p99 (none where the histogram is not written). The last is the
sample time at the window's end (within the lookback delta) for series still reporting,
exact; only for label sets quiet since then, the one-minute subquery discovery always ran
(the latest sample as of each whole minute, so a stale marker hides at most a minute),
over just their callers' series (every series beyond MAX_SELECTED_CALLERS). Run over every
series it took 6-10 s of a 5,000-service fleet's run: 60 steps over 50,000 series. The
queries go through a PrometheusTelemetry: its client, retries, breaker and query metrics.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.domain.bucket_quantile import Bucket
from slo_engine.domain.edge_discovery import (
    EdgeRow,
    NodeNaming,
    ObservedEdge,
    busiest_per_source,
    observed_edges,
    with_server_latency,
)
from slo_engine.domain.model import DiscoverySource
from slo_engine.domain.promql_text import re2_alternation, string_literal

# The quiet label sets' last-seen subquery's step (below any server's lookback delta, so
# its steps' lookbacks cover every sample of the window).
LAST_SEEN_STEP_S = 60
# Quiet label sets' callers named in the subquery's selector; more select every series.
MAX_SELECTED_CALLERS = 200
LabelKey = tuple[str, str, str]


@dataclass(frozen=True)
class ServiceGraphMetrics:
    requests_metric: str = "traces_service_graph_request_total"
    failed_metric: str = "traces_service_graph_request_failed_total"
    client_label: str = "client"
    server_label: str = "server"
    connection_type_label: str = "connection_type"
    server_latency_bucket_metric: str = "traces_service_graph_request_server_seconds_bucket"


@dataclass(frozen=True)
class MeshMetrics:
    requests_metric: str = "istio_requests_total"
    source_label: str = "source_workload"
    destination_label: str = "destination_workload"
    reporter_label: str = "reporter"
    code_label: str = "response_code"
    error_code_regex: str = "5.."


@dataclass(frozen=True)
class LinkerdMetrics:
    requests_metric: str = "response_total"
    source_label: str = "deployment"
    destination_label: str = "dst_deployment"
    direction_label: str = "direction"
    classification_label: str = "classification"
    failure_value: str = "failure"


@dataclass(frozen=True)
class _Family:
    """One source's three queries, grouped by three labels (client, server, third)."""

    source: DiscoverySource
    labels: tuple[str, str, str]
    requests: str  # selectors
    failed: str
    third: str  # what the third label is: connection_type, reporter, or "" (nothing)
    latency_buckets: str = ""  # the server-latency histogram's buckets, if the family has one

    def by(self) -> str:
        return ", ".join(self.labels)


def service_graph_family(metrics: ServiceGraphMetrics) -> _Family:
    return _Family(DiscoverySource.OTEL_SERVICE_GRAPH,
                   (metrics.client_label, metrics.server_label, metrics.connection_type_label),
                   metrics.requests_metric, metrics.failed_metric, third="connection_type",
                   latency_buckets=metrics.server_latency_bucket_metric)


def mesh_family(metrics: MeshMetrics) -> _Family:
    failed = f'{metrics.requests_metric}{{{metrics.code_label}=~"{metrics.error_code_regex}"}}'
    return _Family(DiscoverySource.SERVICE_MESH,
                   (metrics.source_label, metrics.destination_label, metrics.reporter_label),
                   metrics.requests_metric, failed, third="reporter")


def linkerd_family(metrics: LinkerdMetrics) -> _Family:
    """Outbound responses, counted by the caller's proxy (inbound ones name no caller)."""
    outbound = f'{metrics.direction_label}="outbound"'
    failed = f'{metrics.classification_label}="{metrics.failure_value}"'
    return _Family(DiscoverySource.SERVICE_MESH,
                   (metrics.source_label, metrics.destination_label, metrics.direction_label),
                   f"{metrics.requests_metric}{{{outbound}}}",
                   f"{metrics.requests_metric}{{{outbound},{failed}}}", third="")


class PrometheusEdgeTelemetry:
    """Knows how to read the edges both families saw over a window."""

    def __init__(self, telemetry: PrometheusTelemetry,
                 service_graph: ServiceGraphMetrics = ServiceGraphMetrics(),
                 mesh: MeshMetrics = MeshMetrics(), naming: NodeNaming = NodeNaming(),
                 linkerd: LinkerdMetrics | None = None) -> None:
        self._telemetry = telemetry
        self._families = (mesh_family(mesh), *([linkerd_family(linkerd)] if linkerd else []),
                          service_graph_family(service_graph))
        self._naming = naming

    async def observed_edges(self, window_s: int, end_s: int) -> list[ObservedEdge]:
        found = await asyncio.gather(*(self._family_edges(f, window_s, end_s)
                                       for f in self._families))
        return busiest_per_source([edge for edges in found for edge in edges])

    async def _family_edges(self, family: _Family, window_s: int, end_s: int
                            ) -> list[ObservedEdge]:
        by = family.by()
        requests, failed, seen, latency = await asyncio.gather(
            self._grouped(f"sum by ({by}) (increase({family.requests}[{window_s}s]))",
                          family, end_s),
            self._grouped(f"sum by ({by}) (increase({family.failed}[{window_s}s]))",
                          family, end_s),
            self._grouped(f"max by ({by}) (timestamp({family.requests}))", family, end_s),
            self._latency_buckets(family, window_s, end_s))
        quiet = sorted({key[0] for key in requests if key not in seen})
        if quiet:
            seen = {**await self._grouped(quiet_last_seen_query(family, window_s, quiet),
                                          family, end_s), **seen}
        rows = [_row(key, value, failed.get(key, 0.0), int(seen.get(key, end_s)), family)
                for key, value in requests.items()]
        edges = observed_edges(rows, family.source, self._naming)
        return with_server_latency(edges, latency) if latency else edges

    async def _latency_buckets(self, family: _Family, window_s: int, end_s: int
                               ) -> dict[tuple[str, str], list[Bucket]]:
        """Each (client, server)'s server-latency buckets over the window; none when the
        family has no histogram or Prometheus holds none."""
        if not family.latency_buckets:
            return {}
        client, server = family.labels[:2]
        vector = await self._telemetry.instant_series(
            f"sum by ({client}, {server}, le) "
            f"(increase({family.latency_buckets}[{window_s}s]))", end_s)
        found: dict[tuple[str, str], list[Bucket]] = {}
        for labels, value in vector:
            bound = _bound(labels.get("le", ""))
            if bound is not None:
                found.setdefault((labels.get(client, ""), labels.get(server, "")), []
                                 ).append((bound, value))
        return found

    async def _grouped(self, query: str, family: _Family, at_s: int) -> dict[LabelKey, float]:
        vector = await self._telemetry.instant_series(query, at_s)
        return {(labels.get(family.labels[0], ""), labels.get(family.labels[1], ""),
                 labels.get(family.labels[2], "")): value for labels, value in vector}


def quiet_last_seen_query(family: _Family, window_s: int, callers: list[str]) -> str:
    """When the series of these callers were last sampled within the window."""
    selector = (family.requests if len(callers) > MAX_SELECTED_CALLERS
                else with_matcher(family.requests, family.labels[0], callers))
    return (f"max by ({family.by()}) (max_over_time(timestamp({selector})"
            f"[{window_s}s:{LAST_SEEN_STEP_S}s]))")


def with_matcher(selector: str, label: str, values: list[str]) -> str:
    """The selector narrowed to series whose label is one of the values (exactly)."""
    matcher = f"{label}=~{string_literal(re2_alternation(values))}"
    if selector.endswith("}"):
        return f"{selector[:-1]},{matcher}}}"
    return f"{selector}{{{matcher}}}"


def _bound(le: str) -> float | None:
    """A bucket's upper bound (`+Inf` included), None for a malformed `le`."""
    try:
        return float(le)
    except ValueError:
        return None


def _row(key: LabelKey, requests: float, failed: float, last_seen_s: int, family: _Family
         ) -> EdgeRow:
    client, server, third = key
    connection_type = third if family.third == "connection_type" else ""
    reporter = third if family.third == "reporter" else ""
    return EdgeRow(client, server, connection_type, reporter, requests, failed, last_seen_s)
