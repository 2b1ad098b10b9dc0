"""An in-memory fake of the EdgeTelemetry port over the very counter series a test
writes to Prometheus: it evaluates no PromQL, it sums each series' increase over the
window and groups as the adapter's queries do, then shares the domain's rules
(domain/edge_discovery.observed_edges). It passes the contract suite the Prometheus
adapter passes (tests/contract/test_edge_telemetry.py) on regularly sampled series.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from slo_engine.adapters.prometheus_edges import LinkerdMetrics, MeshMetrics, ServiceGraphMetrics
from slo_engine.domain.bucket_quantile import Bucket
from slo_engine.domain.edge_discovery import (
    EdgeRow,
    NodeNaming,
    ObservedEdge,
    busiest_per_source,
    observed_edges,
    with_server_latency,
)
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.model import DiscoverySource


@dataclass(frozen=True)
class CounterSeries:
    """One counter: its metric, labels and (timestamp s, cumulative value) samples."""

    metric: str
    labels: dict[str, str]
    points: list[tuple[int, float]]

    def name(self) -> str:
        """As OpenMetrics writes it: metric{a="x",b="y"}."""
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()))
        return f"{self.metric}{{{labels}}}"

    def increase(self, start_s: int, end_s: int) -> float:
        """What the counter gained over (start, end]."""
        inside = [v for t, v in self.points if start_s < t <= end_s]
        before = [v for t, v in self.points if t <= start_s]
        if not inside:
            return 0.0
        return inside[-1] - (before[-1] if before else inside[0])

    def last_seen_s(self, start_s: int, end_s: int) -> int | None:
        stamps = [t for t, _ in self.points if start_s < t <= end_s]
        return stamps[-1] if stamps else None


Key = tuple[str, str, str]


@dataclass
class InMemoryEdgeTelemetry:
    series: list[CounterSeries]
    service_graph: ServiceGraphMetrics = field(default_factory=ServiceGraphMetrics)
    mesh: MeshMetrics = field(default_factory=MeshMetrics)
    naming: NodeNaming = field(default_factory=NodeNaming)
    unavailable: bool = False
    linkerd: LinkerdMetrics | None = None

    async def observed_edges(self, window_s: int, end_s: int) -> list[ObservedEdge]:
        if self.unavailable:
            raise DependencyUnavailable("metrics store (Prometheus)", "connection refused")
        start = end_s - window_s
        return busiest_per_source(self._mesh(start, end_s) + self._linkerd(start, end_s)
                                  + self._service_graph(start, end_s))

    def _linkerd(self, start: int, end: int) -> list[ObservedEdge]:
        m = self.linkerd
        if m is None:
            return []

        def outbound(s: CounterSeries) -> bool:
            return (s.metric == m.requests_metric
                    and s.labels.get(m.direction_label) == "outbound")

        def failed(s: CounterSeries) -> bool:
            return outbound(s) and s.labels.get(m.classification_label) == m.failure_value

        labels = (m.source_label, m.destination_label, m.direction_label)
        rows = self._rows(labels, start, end, outbound, failed)
        return observed_edges([EdgeRow(c, s, "", "", *rest) for (c, s, _), rest in rows.items()],
                              DiscoverySource.SERVICE_MESH, self.naming)

    def _service_graph(self, start: int, end: int) -> list[ObservedEdge]:
        m = self.service_graph
        labels = (m.client_label, m.server_label, m.connection_type_label)
        rows = self._rows(labels, start, end, lambda s: s.metric == m.requests_metric,
                          lambda s: s.metric == m.failed_metric)
        edges = observed_edges([EdgeRow(c, s, t, "", *rest) for (c, s, t), rest in rows.items()],
                               DiscoverySource.OTEL_SERVICE_GRAPH, self.naming)
        return with_server_latency(edges, self._latency_buckets(start, end))

    def _latency_buckets(self, start: int, end: int) -> dict[tuple[str, str], list[Bucket]]:
        """Each (client, server)'s bucket increases, summed per `le`."""
        m = self.service_graph
        summed: dict[tuple[str, str, float], float] = {}
        for series in self.series:
            if series.metric == m.server_latency_bucket_metric:
                key = (series.labels.get(m.client_label, ""),
                       series.labels.get(m.server_label, ""), float(series.labels["le"]))
                summed[key] = summed.get(key, 0.0) + series.increase(start, end)
        found: dict[tuple[str, str], list[Bucket]] = {}
        for (client, server, le), count in summed.items():
            found.setdefault((client, server), []).append((le, count))
        return found

    def _mesh(self, start: int, end: int) -> list[ObservedEdge]:
        m = self.mesh
        labels = (m.source_label, m.destination_label, m.reporter_label)

        def failed(s: CounterSeries) -> bool:
            code = s.labels.get(m.code_label, "")
            return s.metric == m.requests_metric and bool(re.fullmatch(m.error_code_regex, code))

        rows = self._rows(labels, start, end, lambda s: s.metric == m.requests_metric, failed)
        return observed_edges([EdgeRow(c, s, "", r, *rest) for (c, s, r), rest in rows.items()],
                              DiscoverySource.SERVICE_MESH, self.naming)

    def _rows(self, labels: tuple[str, str, str], start: int, end: int,
              counts: Callable[[CounterSeries], bool], fails: Callable[[CounterSeries], bool]
              ) -> dict[Key, tuple[float, float, int]]:
        rows: dict[Key, tuple[float, float, int]] = {}
        for series in self.series:
            seen = series.last_seen_s(start, end)
            if seen is None or not (counts(series) or fails(series)):
                continue
            key = (series.labels.get(labels[0], ""), series.labels.get(labels[1], ""),
                   series.labels.get(labels[2], ""))
            requests, failed, last = rows.get(key, (0.0, 0.0, 0))
            gained = series.increase(start, end)
            rows[key] = (requests + (gained if counts(series) else 0.0),
                         failed + (gained if fails(series) else 0.0),
                         max(last, seen) if counts(series) else last)
        return {key: row for key, row in rows.items() if row[2]}
