"""Writes a simulated fleet's history as OpenMetrics text for `promtool` to backfill.

Metric families (the defaults the engine queries):
- http_requests_total{service, code="200"|"500"}: counter
- http_request_duration_seconds{service, le}: histogram from a lognormal per step
- container_cpu_cfs_throttled_seconds_total{service}: counter
- the calls along the topology's edges (fleet/edge_openmetrics.py): OpenTelemetry
  servicegraph counters and Istio's istio_requests_total
Each family is contiguous and each series is written in time order, as promtool needs.
A window of steps writes one stretch of time (counters keep counting from the start), so a
long history can be written and backfilled in pieces; fewer buckets make smaller files.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

import numpy as np

from slo_engine.fleet.convention_openmetrics import write_convention_series
from slo_engine.fleet.edge_openmetrics import SERVER_LATENCY_BUCKETS_SECONDS, write_edge_calls
from slo_engine.fleet.lognormal import lognormal_cdf
from slo_engine.fleet.simulation import FleetHistory

BUCKETS_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def write_openmetrics(history: FleetHistory, path: Path,
                      buckets: tuple[float, ...] = BUCKETS_SECONDS,
                      steps: slice = slice(None), meshes: tuple[str, ...] = ("istio",),
                      conventions: Mapping[str, str] | None = None,
                      edge_latency_buckets: tuple[float, ...] = SERVER_LATENCY_BUCKETS_SECONDS,
                      edge_calls: bool = True) -> int:
    """Write the history (or the steps of it given), with the calls as the named meshes
    (istio, linkerd) count them; returns the number of samples written. `conventions`
    (service -> a convention of domain/sli_conventions.py) writes those services'
    requests and latency in their own convention instead of the classic one; no
    `edge_latency_buckets`: no servicegraph server-latency histogram; no `edge_calls`:
    nothing along the edges (only discovery reads them, and on the demo fleet they are
    more than half of the samples)."""
    with path.open("w", encoding="utf-8") as out:
        written = (write_request_families(history, out, steps, conventions or {}, buckets)
                   + _throttling(history, out, steps)
                   + (write_edge_calls(history, out, steps, meshes, edge_latency_buckets)
                      if edge_calls else 0))
        out.write("# EOF\n")
    return written


def write_request_families(history: FleetHistory, out: TextIO, steps: slice,
                           conventions: Mapping[str, str],
                           buckets: tuple[float, ...] = BUCKETS_SECONDS) -> int:
    """Only the requests and latency of every service, each in its convention (the
    classic one where none is named): what SLI discovery reads. No `# EOF`."""
    others = {s for s, name in conventions.items() if name != "prometheus_http"}
    return (_requests(history, out, steps, others)
            + _durations(history, out, buckets, steps, others)
            + write_convention_series(history, out, steps, buckets, conventions,
                                      lognormal_cdf))


def _timestamps(history: FleetHistory, steps: slice) -> list[str]:
    return [str(history.start_s + k * history.step_s) for k in range(history.steps)][steps]


def _series(out: TextIO, name: str, values: np.ndarray, stamps: list[str],
            digits: int = 12) -> int:
    out.write("".join(f"{name} {v:.{digits}g} {t}\n"
                      for v, t in zip(values.tolist(), stamps, strict=True)))
    return len(stamps)


def _requests(history: FleetHistory, out: TextIO, steps: slice, others: set[str]) -> int:
    out.write("# TYPE http_requests counter\n")
    stamps, written = _timestamps(history, steps), 0
    for i, service in enumerate(history.services):
        if service in others:
            continue
        ok = np.cumsum(history.requests[i] - history.failures[i])[steps]
        failed = np.cumsum(history.failures[i])[steps]
        written += _series(out, f'http_requests_total{{service="{service}",code="200"}}', ok,
                           stamps)
        written += _series(out, f'http_requests_total{{service="{service}",code="500"}}',
                           failed, stamps)
    return written


def _durations(history: FleetHistory, out: TextIO, buckets: tuple[float, ...],
               steps: slice, others: set[str]) -> int:
    out.write("# TYPE http_request_duration_seconds histogram\n")
    stamps, written = _timestamps(history, steps), 0
    for i, service in enumerate(history.services):
        if service in others:
            continue
        median, sigma = history.latency_median_s[i], float(history.latency_sigma[i])
        requests = history.requests[i]
        # Whole requests per bucket: rounding cumulative counts keeps them non-decreasing in
        # time and in `le`, as counters and histogram buckets must be.
        cumulative = [np.rint(np.cumsum(requests * lognormal_cdf(le, median, sigma)))[steps]
                      .tolist() for le in buckets]
        count = np.cumsum(requests)[steps].tolist()
        total = np.cumsum(requests * median * math.exp(sigma * sigma / 2))[steps].tolist()
        out.write("".join(_histogram_points(service, stamps, buckets, cumulative, count,
                                            total)))
        written += len(stamps) * (len(buckets) + 3)
    return written


def _histogram_points(service: str, stamps: list[str], buckets: tuple[float, ...],
                      cumulative: list[list[float]], count: list[float], total: list[float]
                      ) -> Iterator[str]:
    prefix = f'http_request_duration_seconds_bucket{{service="{service}",le='
    labels = [f'"{le}"}}' for le in buckets]
    for k, stamp in enumerate(stamps):
        for label, values in zip(labels, cumulative, strict=True):
            yield f"{prefix}{label} {values[k]:.15g} {stamp}\n"
        yield f'{prefix}"+Inf"}} {count[k]:.15g} {stamp}\n'
        yield (f'http_request_duration_seconds_count{{service="{service}"}} '
               f"{count[k]:.15g} {stamp}\n")
        yield (f'http_request_duration_seconds_sum{{service="{service}"}} '
               f"{total[k]:.10g} {stamp}\n")


def _throttling(history: FleetHistory, out: TextIO, steps: slice) -> int:
    out.write("# TYPE container_cpu_cfs_throttled_seconds counter\n")
    stamps, written = _timestamps(history, steps), 0
    for i, service in enumerate(history.services):
        written += _series(out,
                           f'container_cpu_cfs_throttled_seconds_total{{service="{service}"}}',
                           np.cumsum(history.throttled_s[i])[steps], stamps, digits=8)
    return written
