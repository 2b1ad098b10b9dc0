"""The metric naming conventions SLI discovery recognises, as data.

Each convention names a request counter whose code label tells failures from successes,
the labels that may name the service, and (when the convention has one) the service's own
request-duration histogram. A convention becomes a service's SLI by filling the fields of
an `SliDefinition` (domain/sli_definition.py), so an approved SLI reaches recommendations,
generated rules and drift detection through the same queries as a configured one.

Sources (names as Prometheus stores them: dots become underscores, units are suffixed):
- prometheus_http: the Prometheus instrumentation guidelines' `http_requests_total{code}`
  and `http_request_duration_seconds` (client_golang promhttp).
- otel_http_server: OpenTelemetry HTTP semantic conventions 1.23+, `http.server.request.
  duration` (s) with `http.response.status_code`; `service.name` arrives as `job` from the
  Prometheus exporter or as `service_name` after the Collector's resource-to-label step.
- otel_http_server_legacy: the semantic conventions before 1.23, `http.server.duration`
  (ms) with `http.status_code`.
- otel_rpc_server: the RPC semantic conventions, `rpc.server.duration` (ms) with
  `rpc.grpc.status_code` (numeric: 2 Unknown, 4 DeadlineExceeded, 12 Unimplemented,
  13 Internal, 14 Unavailable, 15 DataLoss are the server's failures).
- grpc_prometheus: go-grpc-prometheus / grpc-ecosystem middleware,
  `grpc_server_handled_total{grpc_code}` and `grpc_server_handling_seconds`.
- span_metrics: the OpenTelemetry Collector's spanmetrics connector,
  `traces_span_metrics_calls_total{status_code}` and `..._duration_seconds` (server spans).
- ingress_nginx: ingress-nginx's `nginx_ingress_controller_requests{status}` and
  `nginx_ingress_controller_request_duration_seconds` (the backend service is `service`, or
  `exported_service` when the scrape's own `service` label won).
- envoy_cluster: Envoy's `envoy_cluster_upstream_rq_xx{envoy_response_code_class}` and
  `envoy_cluster_upstream_rq_time` (ms) by `envoy_cluster_name`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

GRPC_SERVER_FAILURES = "Unknown|DeadlineExceeded|Unimplemented|Internal|Unavailable|DataLoss"
GRPC_SERVER_FAILURE_NUMBERS = "2|4|12|13|14|15"


@dataclass(frozen=True)
class SliConvention:
    """One way a fleet names its request metrics."""

    name: str
    requests_metric: str
    code_label: str
    error_code_regex: str  # anchored, as PromQL's =~ is
    service_labels: tuple[str, ...]  # tried in order; the first naming the service wins ties
    duration_bucket_metric: str | None = None
    duration_unit_seconds: float = 1.0
    extra_matchers: Mapping[str, str] = field(default_factory=dict)
    requests_type: str = "counter"  # what /api/v1/metadata says of the requests' family

    def metrics(self) -> tuple[str, ...]:
        bucket = (self.duration_bucket_metric,) if self.duration_bucket_metric else ()
        return (self.requests_metric, *bucket)

    def definition_fields(self, service_label: str) -> dict[str, Any]:
        """The SliDefinition fields that put this convention's queries on a service."""
        fields: dict[str, Any] = {
            "requests_metric": self.requests_metric, "service_label": service_label,
            "code_label": self.code_label, "error_code_regex": self.error_code_regex,
            "extra_matchers": dict(self.extra_matchers)}
        if self.duration_bucket_metric:
            fields["duration_bucket_metric"] = self.duration_bucket_metric
            fields["duration_unit_seconds"] = self.duration_unit_seconds
        return fields


CONVENTIONS: tuple[SliConvention, ...] = (
    SliConvention("prometheus_http", "http_requests_total", "code", "5..",
                  ("service", "job"), "http_request_duration_seconds_bucket"),
    SliConvention("otel_http_server", "http_server_request_duration_seconds_count",
                  "http_response_status_code", "5..", ("service_name", "job"),
                  "http_server_request_duration_seconds_bucket", requests_type="histogram"),
    SliConvention("otel_http_server_legacy", "http_server_duration_milliseconds_count",
                  "http_status_code", "5..", ("service_name", "job"),
                  "http_server_duration_milliseconds_bucket", 0.001,
                  requests_type="histogram"),
    SliConvention("otel_rpc_server", "rpc_server_duration_milliseconds_count",
                  "rpc_grpc_status_code", GRPC_SERVER_FAILURE_NUMBERS, ("service_name", "job"),
                  "rpc_server_duration_milliseconds_bucket", 0.001, requests_type="histogram"),
    SliConvention("grpc_prometheus", "grpc_server_handled_total", "grpc_code",
                  GRPC_SERVER_FAILURES, ("service", "job"),
                  "grpc_server_handling_seconds_bucket"),
    SliConvention("span_metrics", "traces_span_metrics_calls_total", "status_code",
                  "STATUS_CODE_ERROR", ("service_name",),
                  "traces_span_metrics_duration_seconds_bucket",
                  extra_matchers={"span_kind": "SPAN_KIND_SERVER"}),
    SliConvention("ingress_nginx", "nginx_ingress_controller_requests", "status", "5..",
                  ("service", "exported_service"),
                  "nginx_ingress_controller_request_duration_seconds_bucket"),
    SliConvention("envoy_cluster", "envoy_cluster_upstream_rq_xx", "envoy_response_code_class",
                  "5", ("envoy_cluster_name",), "envoy_cluster_upstream_rq_time_bucket", 0.001),
)


def convention_named(name: str) -> SliConvention | None:
    return next((c for c in CONVENTIONS if c.name == name), None)


def family_names(metric: str) -> tuple[str, ...]:
    """The names /api/v1/metadata may file a series' family under: the name itself and the
    name without its OpenMetrics suffix (_total, _count, _bucket, _sum)."""
    for suffix in ("_total", "_count", "_bucket", "_sum"):
        if metric.endswith(suffix):
            return (metric, metric[: -len(suffix)])
    return (metric,)
