"""The engine's own metrics (TRD 11.2), exported at /metrics with prometheus-client.

Each container has its own registry, so several engines in one process (tests,
benchmarks) never share counters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from slo_engine.domain.slo import TIER_NAMES

# Request latencies we care about sit between a millisecond and the 5 s budget of a
# fresh recommendation (PERF-001); impact analysis may take up to 10 s (PERF-002).
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0)
QUERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class EngineMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "slo_engine_http_requests", "API requests answered",
            ["method", "endpoint", "status_code"], registry=self.registry)
        self.http_duration = Histogram(
            "slo_engine_http_request_duration_seconds", "API request latency",
            ["method", "endpoint"], buckets=REQUEST_BUCKETS, registry=self.registry)
        self.recommendations_generated = Counter(
            "slo_engine_recommendations_generated", "Recommendations computed (not cached)",
            ["service_id", "sli_type", "tier"], registry=self.registry)
        self.recommendations_accepted = Counter(
            "slo_engine_recommendations_accepted",
            "Decisions on recommendations (accept, modify, reject, auto_approve)",
            ["service_id", "action"], registry=self.registry)
        self.graph_nodes = Gauge(
            "slo_engine_dependency_graph_nodes", "Services in the loaded dependency graph",
            registry=self.registry)
        self.prometheus_duration = Histogram(
            "slo_engine_prometheus_query_duration_seconds", "PromQL query latency",
            ["query_type"], buckets=QUERY_BUCKETS, registry=self.registry)
        self.prometheus_errors = Counter(
            "slo_engine_prometheus_query_errors", "PromQL queries that failed",
            ["query_type", "error_type"], registry=self.registry)
        # Observed by the workers (their own /metrics, see `slo-engine worker`).
        self.aggregation_duration = Histogram(
            "slo_engine_batch_aggregation_duration_seconds",
            "Wall time of one fleet-wide SLI aggregation", registry=self.registry,
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600))

        self.drift_detections = Counter(
            "slo_engine_drift_detections_total",
            "Confirmed drifts, one per service and detector that voted for it",
            ["service_id", "detector"], registry=self.registry)
        self.graph_divergences = Gauge(
            "slo_engine_graph_divergences",
            "Edges where runtime telemetry and declarations differ, after the last discovery",
            ["kind"], registry=self.registry)
        self.discovery_source_failures = Counter(
            "slo_engine_discovery_source_failures",
            "Discovery runs in which a source (Prometheus, the Kubernetes API) could not be read",
            ["source"], registry=self.registry)

    def observe_request(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        self.http_requests.labels(method, endpoint, str(status)).inc()
        self.http_duration.labels(method, endpoint).observe(seconds)

    def recommendation_generated(self, service_id: str, sli_type: str) -> None:
        for tier in TIER_NAMES:
            self.recommendations_generated.labels(service_id, sli_type, tier).inc()

    def decided(self, service_id: str, action: str) -> None:
        self.recommendations_accepted.labels(service_id, action).inc()

    def aggregation_finished(self, seconds: float) -> None:
        self.aggregation_duration.observe(seconds)

    def drift_detected(self, service_id: str, detector: str) -> None:
        self.drift_detections.labels(service_id, detector).inc()

    def divergences_counted(self, counts: Mapping[str, int]) -> None:
        for kind, count in counts.items():
            self.graph_divergences.labels(kind).set(count)

    def discovery_source_failed(self, source: str) -> None:
        self.discovery_source_failures.labels(source).inc()

    def observe_query(self, query_type: str, seconds: float, error_type: str | None) -> None:
        self.prometheus_duration.labels(query_type).observe(seconds)
        if error_type is not None:
            self.prometheus_errors.labels(query_type, error_type).inc()

    def count_graph_nodes_with(self, count: Callable[[], int]) -> None:
        """The gauge reads the loaded graph when scraped, never querying the store."""
        self.graph_nodes.set_function(lambda: float(count()))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
