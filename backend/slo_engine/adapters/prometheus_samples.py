"""The RawSamples port on the Prometheus HTTP API: a selector's stored samples, read with
instant queries of `selector[<range>]` (a matrix of every matching series), in chunks of
at most `chunk_s` so no answer grows without bound.

A range selector at t returns the samples in [t - range, t] (Prometheus 2.x includes
both ends), so each chunk after the first drops the sample at its start, which the chunk
before returned. The queries go through a PrometheusTelemetry (its client, breaker and
metrics).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import numpy as np

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.domain.prometheus_rate import RawSeries
from slo_engine.domain.promql_text import duration

CHUNK_SECONDS = 8 * 86_400  # about 11,500 samples a series at a 1-minute scrape
Labels = tuple[tuple[str, str], ...]


def sample_chunks(start_s: int, end_s: int, chunk_s: int = CHUNK_SECONDS
                  ) -> list[tuple[int, int]]:
    """(first, last) of consecutive chunks covering [start, end]: the first reads from
    start, each later one from after the one before."""
    if end_s < start_s or chunk_s <= 0:
        raise ValueError(f"no samples from {start_s} to {end_s} in chunks of {chunk_s} s")
    edges = [*range(start_s, end_s, chunk_s), end_s]
    return list(itertools.pairwise(edges)) or [(start_s, end_s)]


def _parsed(series: dict[str, Any], after_ms: int) -> tuple[Labels, np.ndarray, np.ndarray]:
    """A matrix series' labels and its samples after `after_ms`."""
    points = series.get("values", [])
    stamps = np.rint(np.array([p[0] for p in points], dtype=float) * 1000).astype(np.int64)
    values = np.array([p[1] for p in points], dtype=float)
    keep = stamps > after_ms
    return tuple(sorted(series["metric"].items())), stamps[keep], values[keep]


def joined(chunks: list[list[tuple[Labels, np.ndarray, np.ndarray]]]) -> list[RawSeries]:
    """The chunks' pieces of each series, in time order, as one series each."""
    pieces: dict[Labels, list[tuple[np.ndarray, np.ndarray]]] = {}
    for chunk in chunks:
        for labels, stamps, values in chunk:
            pieces.setdefault(labels, []).append((stamps, values))
    found = [RawSeries(dict(labels), np.concatenate([s for s, _ in parts]),
                       np.concatenate([v for _, v in parts]))
             for labels, parts in sorted(pieces.items())]
    return [s for s in found if s.stamps_ms.size]


class PrometheusRawSamples:
    """Knows how to read a selector's raw samples over a long range, in chunks at once."""

    def __init__(self, telemetry: PrometheusTelemetry, chunk_s: int = CHUNK_SECONDS) -> None:
        self._telemetry = telemetry
        self._chunk_s = chunk_s

    async def raw_series(self, selector: str, start_s: int, end_s: int) -> list[RawSeries]:
        pieces = sample_chunks(start_s, end_s, self._chunk_s)
        answers = await asyncio.gather(*(self._chunk(selector, first, last, k == 0)
                                         for k, (first, last) in enumerate(pieces)))
        return joined(answers)

    async def _chunk(self, selector: str, first_s: int, last_s: int, opening: bool
                     ) -> list[tuple[Labels, np.ndarray, np.ndarray]]:
        width = max(last_s - first_s, 1)
        result = await self._telemetry.instant_result(f"{selector}[{duration(width)}]",
                                                      last_s)
        after = first_s * 1000 - 1 if opening else first_s * 1000
        return [_parsed(series, after) for series in result]
