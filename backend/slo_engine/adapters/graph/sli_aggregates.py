"""The SliAggregateStore port over any CypherRunner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from slo_engine.adapters.graph.repository import WRITE_BATCH, batched
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import Row
from slo_engine.domain.sli_aggregates import SliAggregate

AGGREGATE_QUERIES = ["aggregates/store_sli_aggregates", "aggregates/service_aggregates",
                     "recommendations/active_recommendation_baselines",
                     "recommendations/set_recommendation_baselines",
                     "recommendations/mark_recommendations_stale"]


def _aggregate_row(aggregate: SliAggregate) -> Row:
    return {**aggregate.as_record(),
            "aggregate_key": f"{aggregate.service_id}|{aggregate.window}"}


class GraphSliAggregates:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner

    def store_aggregates(self, aggregates: list[SliAggregate], now_ms: int) -> int:
        rows = [_aggregate_row(a) for a in aggregates]
        results = self._runner.write_many("aggregates/store_sli_aggregates", (
            {"rows": batch, "now": now_ms} for batch in batched(rows, WRITE_BATCH)))
        return sum(int(result[0]["stored"]) for result in results if result)

    def service_aggregates(self, service_id: str) -> list[Row]:
        return self._runner.read("aggregates/service_aggregates", service_id=service_id)

    def active_recommendation_baselines(self) -> list[Row]:
        rows = self._runner.read("recommendations/active_recommendation_baselines")
        return [{**row, "baseline": None if row["baseline"] is None
                 else orjson.loads(row["baseline"])} for row in rows]

    def set_recommendation_baselines(self, baselines: Mapping[str, Mapping[str, Any]]) -> None:
        rows = [{"recommendation_id": rid, "baseline": orjson.dumps(dict(b)).decode()}
                for rid, b in baselines.items()]
        for batch in batched(rows, WRITE_BATCH):
            self._runner.write("recommendations/set_recommendation_baselines", rows=batch)

    def mark_recommendations_stale(self, reasons: Mapping[str, str], now_ms: int
                                   ) -> list[str]:
        """The services (from `reasons`: service -> why) that had an active one to mark."""
        rows = [{"service_id": s, "reason": r} for s, r in reasons.items()]
        marked: set[str] = set()
        for batch in batched(rows, WRITE_BATCH):
            marked.update(row["service_id"] for row in self._runner.write(
                "recommendations/mark_recommendations_stale", rows=batch, now=now_ms))
        return sorted(marked)
