"""Traffic and replica what-ifs (issue 19 item 2): the service's latency percentiles under
an M/M/c queue fitted to its observed busiest hour (domain/capacity_model.py); its error
ratio unchanged until saturation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import numpy as np

from slo_engine.application.ports import Clock, GraphStore
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.capacity_model import ASSUMPTIONS, CapacityProjection, project
from slo_engine.domain.errors import InvalidInput, ServiceNotFound
from slo_engine.domain.sli_statistics import histogram_quantile
from slo_engine.domain.time_units import DAY_SECONDS

HOUR_S = 3600
QUANTILES = (0.5, 0.95, 0.99)
PEAK_UTILISATION = 0.5  # assumed at the busiest hour unless the service's metadata says


@dataclass(frozen=True)
class CapacityWhatIf:
    multiplier: float
    replicas: int
    observed_replicas: int
    peak_rps: float
    peak_utilisation: float
    error_ratio: float
    projection: CapacityProjection
    assumptions: tuple[str, ...]


class WhatIfCapacity:
    def __init__(self, graph: GraphStore, telemetry: Telemetry, clock: Clock) -> None:
        self._graph = graph
        self._telemetry = telemetry
        self._clock = clock

    async def answer(self, service_id: str, multiplier: float | None, replicas: int | None,
                     window_days: int) -> CapacityWhatIf:
        service = await asyncio.to_thread(self._graph.get_service, service_id)
        if service is None:
            raise ServiceNotFound(service_id)
        metadata = service.get("metadata") or {}
        observed_replicas = max(1, int(metadata.get("replicas") or 1))
        utilisation = float(metadata.get("peak_utilisation") or PEAK_UTILISATION)
        end = self._clock.now_ms() // 1000 // HOUR_S * HOUR_S
        start = end - window_days * DAY_SECONDS
        total, failed = (np.nan_to_num(x) for x in await self._telemetry.request_counts(
            service_id, start, end, HOUR_S))  # steps without samples: no requests
        latency = await self._observed_latency(service_id, start, end)
        if total.size == 0 or float(total.sum()) <= 0:
            raise _no_history("request counts")
        peak_rps = float(np.max(total)) / HOUR_S
        new_replicas = replicas or observed_replicas
        projection = project(peak_rps, latency[0.5], latency, observed_replicas,
                             new_replicas, multiplier or 1.0, utilisation)
        return CapacityWhatIf(multiplier or 1.0, new_replicas, observed_replicas, peak_rps,
                              utilisation, float(failed.sum() / total.sum()), projection,
                              (*ASSUMPTIONS, f"peak utilisation {utilisation:.0%} at the "
                               "busiest hour (metadata `peak_utilisation`, else 50%)"))

    async def _observed_latency(self, service_id: str, start: int, end: int
                                ) -> dict[float, float]:
        bounds, counts = await self._telemetry.latency_histogram(service_id, start, end,
                                                                 end - start)
        if len(bounds) == 0:
            raise _no_history("a request-duration histogram")
        observed = {q: float(histogram_quantile(q, bounds, counts)[-1]) for q in QUANTILES}
        if any(np.isnan(v) or v <= 0 for v in observed.values()):
            raise _no_history("latency observations")
        return observed


def _no_history(what: str) -> InvalidInput:
    return InvalidInput(f"The service has no {what} in the window, so traffic and replica "
                        "what-ifs cannot be answered.", [{
                            "pointer": "/what_if/traffic_multiplier",
                            "message": "ask dependency what-ifs only"}])
