"""The ForecastPriorStore port over any CypherRunner: one node per class of services."""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import StoredPriors
from slo_engine.domain.fleet_prior import FleetPrior

FORECAST_PRIOR_QUERIES = ["forecast/store_forecast_priors", "forecast/forecast_priors",
                          "forecast/delete_other_forecast_priors"]


class GraphForecastPriors:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner

    def store_priors(self, priors: Mapping[str, FleetPrior], now_ms: int) -> int:
        rows = [{"prior_class": name, "body": orjson.dumps(prior.to_record()).decode(),
                 "services": prior.services} for name, prior in priors.items()]
        result = self._runner.write("forecast/store_forecast_priors", rows=rows, now=now_ms)
        self._runner.write("forecast/delete_other_forecast_priors", classes=list(priors))
        return int(result[0]["stored"]) if result else 0

    def priors(self) -> StoredPriors:
        rows = self._runner.read("forecast/forecast_priors")
        found = {row["prior_class"]: FleetPrior.from_record(orjson.loads(row["body"]))
                 for row in rows}
        computed = max((int(row["computed_at"]) for row in rows), default=None)
        return StoredPriors(found, computed)
