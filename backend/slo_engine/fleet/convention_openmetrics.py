"""A simulated service's requests and latency written in another naming convention than
`http_requests_total{code}` (domain/sli_conventions.py), so SLI discovery can be tested on
a fleet that mixes them. A service named in `conventions` is written only in its own
convention; the others keep the classic families (fleet/openmetrics.py).

A counter convention writes its request counter by code (a success and a failure value
of that convention) and its latency histogram without a code; a histogram convention
(OpenTelemetry's `..._count`) writes one histogram per code. Millisecond histograms get
their bounds in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TextIO

import numpy as np

from slo_engine.domain.sli_conventions import CONVENTIONS, SliConvention
from slo_engine.fleet.simulation import FleetHistory

# A success and a failure value of each convention's code label.
CODE_VALUES: dict[str, tuple[str, str]] = {
    "prometheus_http": ("200", "500"), "otel_http_server": ("200", "500"),
    "otel_http_server_legacy": ("200", "500"), "otel_rpc_server": ("0", "14"),
    "grpc_prometheus": ("OK", "Unavailable"),
    "span_metrics": ("STATUS_CODE_UNSET", "STATUS_CODE_ERROR"),
    "ingress_nginx": ("200", "503"), "envoy_cluster": ("2", "5")}


def write_convention_series(history: FleetHistory, out: TextIO, steps: slice,
                            buckets: tuple[float, ...], conventions: Mapping[str, str],
                            cdf: object) -> int:
    """Every non-classic convention's families for its services; returns samples written.
    `cdf(le, median, sigma)` is the latency distribution (fleet/openmetrics.py's)."""
    stamps = [str(history.start_s + k * history.step_s) for k in range(history.steps)][steps]
    written = 0
    for convention in CONVENTIONS:
        members = [i for i, s in enumerate(history.services)
                   if conventions.get(s) == convention.name != "prometheus_http"]
        if members:
            written += _convention(history, out, stamps, steps, buckets, convention, members,
                                   cdf)
    return written


def _labels(convention: SliConvention, service: str, **more: str) -> str:
    labels = {convention.service_labels[0]: service, **convention.extra_matchers, **more}
    return ",".join(f'{k}="{v}"' for k, v in labels.items())


def _by_code(history: FleetHistory, i: int, convention: SliConvention
             ) -> list[tuple[str, np.ndarray]]:
    ok, failed = CODE_VALUES[convention.name]
    return [(ok, history.requests[i] - history.failures[i]), (failed, history.failures[i])]


def _convention(history: FleetHistory, out: TextIO, stamps: list[str], steps: slice,
                buckets: tuple[float, ...], convention: SliConvention, members: list[int],
                cdf: object) -> int:
    written = 0
    bucket_metric = convention.duration_bucket_metric or ""
    family = bucket_metric.removesuffix("_bucket")
    if convention.requests_type == "histogram":
        out.write(f"# TYPE {family} histogram\n")
        for i in members:
            for code, requests in _by_code(history, i, convention):
                labels = _labels(convention, history.services[i],
                                 **{convention.code_label: code})
                written += _histogram(out, family, labels, history, i, requests, stamps,
                                      steps, buckets, convention, cdf)
        return written
    requests_metric = convention.requests_metric
    # OpenMetrics counters end in _total; ingress-nginx's and Envoy's do not: "unknown".
    out.write(f"# TYPE {requests_metric.removesuffix('_total')} counter\n"
              if requests_metric.endswith("_total") else f"# TYPE {requests_metric} unknown\n")
    for i in members:
        for code, requests in _by_code(history, i, convention):
            labels = _labels(convention, history.services[i], **{convention.code_label: code})
            written += _points(out, f"{convention.requests_metric}{{{labels}}}",
                               np.cumsum(requests)[steps].tolist(), stamps)
    out.write(f"# TYPE {family} histogram\n")
    for i in members:
        written += _histogram(out, family, _labels(convention, history.services[i]), history,
                              i, history.requests[i], stamps, steps, buckets, convention, cdf)
    return written


def _histogram(out: TextIO, family: str, labels: str, history: FleetHistory, i: int,
               requests: np.ndarray, stamps: list[str], steps: slice,
               buckets: tuple[float, ...], convention: SliConvention, cdf: object) -> int:
    median, sigma = history.latency_median_s[i], float(history.latency_sigma[i])
    written = 0
    for le in buckets:
        share = cdf(le, median, sigma)  # type: ignore[operator]
        text = f"{le / convention.duration_unit_seconds:g}"
        written += _points(out, f'{family}_bucket{{{labels},le="{text}"}}',
                           np.rint(np.cumsum(requests * share))[steps].tolist(), stamps)
    count = np.cumsum(requests)[steps].tolist()
    written += _points(out, f'{family}_bucket{{{labels},le="+Inf"}}', count, stamps)
    written += _points(out, f"{family}_count{{{labels}}}", count, stamps)
    total = np.cumsum(requests * median * math.exp(sigma * sigma / 2)
                      / convention.duration_unit_seconds)[steps].tolist()
    return written + _points(out, f"{family}_sum{{{labels}}}", total, stamps)


def _points(out: TextIO, name: str, values: list[float], stamps: list[str]) -> int:
    out.write("".join(_lines(name, values, stamps)))
    return len(stamps)


def _lines(name: str, values: list[float], stamps: list[str]) -> Iterator[str]:
    for value, stamp in zip(values, stamps, strict=True):
        yield f"{name} {value:.15g} {stamp}\n"
