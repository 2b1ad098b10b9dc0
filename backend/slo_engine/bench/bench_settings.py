"""Settings for benchmark runs: they measure the engine, so the rate limits are lifted out
of reach (every request still draws from its Redis bucket, so the limiter's cost counts)."""

from __future__ import annotations

from typing import Any

from slo_engine.runtime.settings import DEFAULT_RATE_LIMITS, Settings

OUT_OF_REACH = dict.fromkeys(DEFAULT_RATE_LIMITS, 100_000_000)


def bench_settings(**values: Any) -> Settings:
    return Settings(**{"rate_limits_per_minute": OUT_OF_REACH, **values})
