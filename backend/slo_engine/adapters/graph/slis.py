"""The SliStore port over any CypherRunner: `(:Service)-[:HAS_SLI]->(:Sli)`."""

from __future__ import annotations

from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import Row

SLI_QUERIES = ["slis/store_sli_candidates", "slis/delete_stale_sli_candidates",
               "slis/service_slis", "slis/get_sli", "slis/approve_sli"]


class GraphSlis:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner

    def store_candidates(self, service_id: str, candidates: list[Row], now_ms: int) -> int:
        rows = self._runner.write("slis/store_sli_candidates", service_id=service_id,
                                  rows=candidates, now=now_ms)
        self._runner.write("slis/delete_stale_sli_candidates", service_id=service_id,
                           keep=[c["sli_id"] for c in candidates])
        return int(rows[0]["stored"]) if rows else 0

    def slis_of(self, service_id: str) -> list[Row]:
        return self._runner.read("slis/service_slis", service_id=service_id)

    def get_sli(self, sli_id: str) -> Row | None:
        rows = self._runner.read("slis/get_sli", sli_id=sli_id)
        return rows[0] if rows else None

    def approve_sli(self, sli_id: str, approval: Row, now_ms: int) -> Row | None:
        rows = self._runner.write("slis/approve_sli", sli_id=sli_id, now=now_ms, **approval)
        return rows[0] if rows else None
