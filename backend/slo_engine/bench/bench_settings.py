"""Settings for benchmark runs: they measure the engine, so the rate limits are lifted out
of reach (every request still draws from its Redis bucket, so the limiter's cost counts).
A benchmark that embeds the engine runs its jobs inline: no worker runs beside it, and an
ingestion queued for one would never finish. The request path's PromQL deadline is lifted
to 30 s: a benchmark sharing two cores with promtool must not turn a slow answer into a
stale one (bench degraded sets its own)."""

from __future__ import annotations

from typing import Any

from slo_engine.runtime.settings import DEFAULT_RATE_LIMITS, Settings

OUT_OF_REACH = dict.fromkeys(DEFAULT_RATE_LIMITS, 100_000_000)


def bench_settings(**values: Any) -> Settings:
    return Settings(**{"rate_limits_per_minute": OUT_OF_REACH, "job_mode": "inline",
                       "prometheus_request_deadline_seconds": 30.0, **values})
