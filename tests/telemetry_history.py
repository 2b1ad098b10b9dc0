"""The history the Telemetry contract reads (tests/contract/test_telemetry.py), as series for
the in-memory fake and as OpenMetrics text for a real Prometheus.

Two days to END sampled every 5 minutes, counters from 0 at START:
- api: 10 requests/s, 1 in 1,000 failing; half under 100 ms, 90% under 250 ms, 99% under
  500 ms, all under 1 s; 0.02 CPU seconds throttled per second.
- checkout: as api until CHANGE, then 2 in 1,000 failing and slower (20% under 100 ms, 50%
  under 250 ms, 90% under 500 ms, all under 1 s).
- web: 2 requests/s, code 200 only, no histogram. idle: a request counter that never moves.
- cache: a histogram (100 requests/step, 90 under 10 ms) and no request counter.
- batch: 1 request/s; no scrape strictly between END-30h and END-28h; restarted just before
  END-3h (100 requests counted by then).
- sparse: 1 request/s scraped every minute at :17, first seen at START+1817 s holding 50.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from tests.fakes_telemetry import Counter, ServiceSeries

DAY = 86_400
HOUR = 3_600
END = 19_676 * DAY  # 2023-11-15 00:00 UTC: fixed, so every expected number is too
START = END - 2 * DAY
CHANGE = END - 6 * HOUR
STEP_S = 300
STEPS = (END - START) // STEP_S
BEFORE = {0.1: 1500, 0.25: 2700, 0.5: 2970, 1.0: 3000, float("inf"): 3000}
AFTER = {0.1: 600, 0.25: 1500, 0.5: 2700, 1.0: 3000, float("inf"): 3000}


def contract_series() -> dict[str, ServiceSeries]:
    ends = START + STEP_S * np.arange(1, STEPS + 1)  # when each step's increment is counted
    changed = ends > CHANGE
    steady = np.full(STEPS, 3000.0)
    return {
        "api": ServiceSeries.counting(START, STEP_S, steady, np.full(STEPS, 3.0),
                                      {le: np.full(STEPS, n) for le, n in BEFORE.items()},
                                      np.full(STEPS, 6.0)),
        "checkout": ServiceSeries.counting(
            START, STEP_S, steady, np.where(changed, 6.0, 3.0),
            {le: np.where(changed, AFTER[le], n) for le, n in BEFORE.items()}),
        "web": ServiceSeries.counting(START, STEP_S, np.full(STEPS, 600.0)),
        "idle": ServiceSeries.counting(START, STEP_S, np.zeros(STEPS)),
        "cache": ServiceSeries(latency_buckets={
            le: Counter.counting(START, STEP_S, np.full(STEPS, n))
            for le, n in ((0.01, 90.0), (float("inf"), 100.0))}),
        "batch": ServiceSeries({"200": _batch()}),
        "sparse": ServiceSeries({"200": _sparse()}),
    }


def _batch() -> Counter:
    stamps = START + STEP_S * np.arange(STEPS + 1)
    values = (stamps - START).astype(float)
    restarted = stamps >= END - 3 * HOUR
    values[restarted] = 100.0 + (stamps[restarted] - (END - 3 * HOUR))
    kept = (stamps <= END - 30 * HOUR) | (stamps >= END - 28 * HOUR)
    return Counter.sampled(stamps[kept], values[kept])


def _sparse() -> Counter:
    stamps = np.arange(START + 1817, END + 1, 60)
    return Counter.sampled(stamps, 50.0 + (stamps - stamps[0]))


def write_series(path: Path, services: Mapping[str, ServiceSeries]) -> None:
    """The series as OpenMetrics in the default SLI conventions, one family at a time."""
    lines = ["# TYPE http_requests counter"]
    for service, series in services.items():
        for code, counter in sorted(series.requests.items()):
            lines += _samples(f'http_requests_total{{service="{service}",code="{code}"}}',
                              counter)
    lines.append("# TYPE http_request_duration_seconds histogram")
    for service, series in services.items():
        for le, counter in sorted(series.latency_buckets.items()):
            bound = "+Inf" if np.isinf(le) else repr(le)
            lines += _samples(f'http_request_duration_seconds_bucket{{service="{service}",'
                              f'le="{bound}"}}', counter)
    lines.append("# TYPE container_cpu_cfs_throttled_seconds counter")
    for service, series in services.items():
        if series.throttled_seconds is not None:
            lines += _samples(f'container_cpu_cfs_throttled_seconds_total{{service="{service}"}}',
                              series.throttled_seconds)
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n")


def _samples(name: str, counter: Counter) -> list[str]:
    return [f"{name} {value!r} {stamp}"
            for stamp, value in zip(counter.stamps_s.tolist(), counter.values.tolist(),
                                    strict=True)]
