"""Servicegraph and Istio counters that the EdgeTelemetry contract and the discovery
use-case tests share: written to a real Prometheus, or read by the in-memory fake."""

from __future__ import annotations

from pathlib import Path

from tests.fakes_edge_telemetry import CounterSeries
from tests.telemetry_history import END

HOUR = 3600
GRAPH = "traces_service_graph_request_total"
GRAPH_FAILED = "traces_service_graph_request_failed_total"
MESH = "istio_requests_total"
LINKERD = "response_total"
LATENCY = "traces_service_graph_request_server_seconds_bucket"


def counter(metric: str, rate: float, until_s: int = END, **labels: str) -> CounterSeries:
    """A counter growing by rate per second, sampled every minute from two hours before
    END (starting at 1,000) until `until_s`."""
    stamps = range(END - 2 * HOUR, until_s + 1, 60)
    return CounterSeries(metric, labels, [(t, 1000 + rate * (t - END + 2 * HOUR))
                                          for t in stamps])


SERIES = [
    counter(GRAPH, 2, client="web", server="checkout"),
    counter(GRAPH_FAILED, 0.25, client="web", server="checkout"),
    counter(GRAPH, 1, client="checkout", server="orders-db", connection_type="database"),
    counter(GRAPH, 0.5, client="checkout", server="notifier", connection_type="messaging_system"),
    counter(GRAPH, 0.25, client="payments", server="api.stripe.com",
            connection_type="virtual_node"),
    counter(GRAPH, 1, END - HOUR // 2, client="web", server="search"),
    counter(GRAPH, 1, END - 3 * HOUR // 2, client="web", server="legacy"),
    # web -> checkout's server latency: a quarter of its calls within 0.1 s, three quarters
    # within 0.5 s, all within 1 s (p50 0.3 s, p99 0.98 s); no other edge has any.
    *(counter(LATENCY, rate, client="web", server="checkout", le=le)
      for le, rate in (("0.1", 0.5), ("0.5", 1.5), ("1.0", 2), ("+Inf", 2))),
    counter(MESH, 2, source_workload="web", destination_workload="checkout", reporter="source",
            response_code="200"),
    counter(MESH, 0.25, source_workload="web", destination_workload="checkout",
            reporter="source", response_code="503"),
    counter(MESH, 2, source_workload="web", destination_workload="checkout",
            reporter="destination", response_code="200"),
    counter(MESH, 1, source_workload="batch", destination_workload="checkout",
            reporter="destination", response_code="200"),
    counter(MESH, 1, source_workload="unknown", destination_workload="web",
            reporter="destination", response_code="200"),
]
# Linkerd's proxies, for the tests that enable it: outbound web -> checkout (quieter than
# Istio's report of it) and batch -> search; the inbound series name no caller.
LINKERD_SERIES = [
    counter(LINKERD, 1, direction="outbound", deployment="web", dst_deployment="checkout",
            classification="success", status_code="200"),
    counter(LINKERD, 0.25, direction="outbound", deployment="web", dst_deployment="checkout",
            classification="failure", status_code="500"),
    counter(LINKERD, 0.5, direction="outbound", deployment="batch", dst_deployment="search",
            classification="success", status_code="200"),
    counter(LINKERD, 0.5, direction="inbound", deployment="search", classification="success",
            status_code="200"),
]


def write_series(path: Path, series: list[CounterSeries]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for one in sorted(series, key=lambda s: (s.metric, s.name())):
            out.writelines(f"{one.name()} {v!r} {t}\n" for t, v in one.points)
        out.write("# EOF\n")
