"""Rules over metrics a service does not publish would never fire: before generating, the
metrics store is asked whether the SLO's series exist (SLO as code, bad input)."""

from __future__ import annotations

from collections.abc import Callable

from slo_engine.application.ports import Clock
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.errors import DependencyUnavailable, InvalidInput, TelemetryQueryRejected
from slo_engine.domain.promql_text import selector
from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.generators.slo_spec import SloSpec

LOOKBACK_SECONDS = DAY_SECONDS  # series seen in the last day count as published


class SliPresence:
    """Knows whether the series an SLO's rules read exist in the metrics store."""

    def __init__(self, telemetry: Telemetry, clock: Clock,
                 sli_definitions: Callable[[str], SliDefinition]) -> None:
        self._telemetry = telemetry
        self._clock = clock
        self._sli_definitions = sli_definitions

    async def require(self, specs: list[SloSpec]) -> bool:
        """Raises InvalidInput naming the missing metric and the setting that names it;
        False when the store could not be asked (the rules are then generated anyway)."""
        if not specs:
            return True
        service_id = specs[0].service_id
        end = self._clock.now_ms() // 1000
        definition = self._sli_definitions(service_id)
        start = end - LOOKBACK_SECONDS
        try:
            if any(s.latency is None for s in specs):
                seen = await self._telemetry.availabilities([service_id], start, end)
                if seen.get(service_id) is None:
                    raise _missing(service_id, definition.requests_metric, definition,
                                   "SLO_ENGINE_SLI_REQUESTS_METRIC", "requests_metric")
            if any(s.latency is not None for s in specs):
                bounds = (await self._telemetry.latency_histogram(
                    service_id, start, end, LOOKBACK_SECONDS))[0]
                if len(bounds) == 0:
                    raise _missing(service_id, definition.duration_bucket_metric, definition,
                                   "SLO_ENGINE_SLI_DURATION_BUCKET_METRIC",
                                   "duration_bucket_metric")
        except (DependencyUnavailable, TelemetryQueryRejected):
            return False
        return True


def _missing(service_id: str, metric: str, definition: SliDefinition, setting: str,
             field: str) -> InvalidInput:
    series = selector(metric, definition.service_matchers(service_id))
    return InvalidInput(
        f"No series {series} in the last day: rules over it would never fire.", [{
            "pointer": "/service_id",
            "message": f"publish {metric} for {service_id}, or name the metric it does "
                       f"publish: the setting {setting}, or the service's metadata "
                       f"sli.{field}"}])
