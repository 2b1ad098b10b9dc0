"""An in-memory fake of the SliStore port on the shared InMemoryGraph; it passes the
contract suite the graph adapter passes (tests/contract/test_sli_store.py)."""

from __future__ import annotations

from dataclasses import dataclass

from slo_engine.application.ports import Row
from tests.fakes_graph_state import InMemoryGraph, assign, storable

SLI_COLUMNS = ("sli_id", "service_id", "status", "convention", "rank", "confidence",
               "definition", "body", "override", "approved_by", "approved_at",
               "discovered_at")
CANDIDATE_FIELDS = ("convention", "rank", "confidence", "definition", "body")


def _row(node: Row) -> Row:
    return {name: node.get(name) for name in SLI_COLUMNS}


@dataclass
class InMemorySlis:
    graph: InMemoryGraph

    def store_candidates(self, service_id: str, candidates: list[Row], now_ms: int) -> int:
        with self.graph.lock:
            if service_id not in self.graph.services:
                return 0
            stored = 0
            for row in candidates:
                node = self.graph.slis.setdefault(row["sli_id"], storable({
                    "sli_id": row["sli_id"], "status": "candidate", "service_id": service_id,
                    "created_at": now_ms}))
                if node["status"] == "candidate":
                    assign(node, {**{f: row[f] for f in CANDIDATE_FIELDS},
                                  "discovered_at": now_ms})
                    stored += 1
            keep = {row["sli_id"] for row in candidates}
            for sli_id, node in list(self.graph.slis.items()):
                if (node["service_id"], node["status"]) == (service_id, "candidate") \
                        and sli_id not in keep:
                    del self.graph.slis[sli_id]
            return stored

    def slis_of(self, service_id: str) -> list[Row]:
        with self.graph.lock:
            mine = [n for n in self.graph.slis.values() if n["service_id"] == service_id]
        return [_row(n) for n in sorted(mine, key=lambda n: (
            n["status"] != "approved", n.get("rank"), n["sli_id"]))]

    def get_sli(self, sli_id: str) -> Row | None:
        with self.graph.lock:
            node = self.graph.slis.get(sli_id)
            return None if node is None else _row(node)

    def approve_sli(self, sli_id: str, approval: Row, now_ms: int) -> Row | None:
        with self.graph.lock:
            node = self.graph.slis.get(sli_id)
            if node is None:
                return None
            service_id = node["service_id"]
            for other in self.graph.slis.values():
                if other["service_id"] == service_id and other["status"] == "approved":
                    other["status"] = "candidate"
            assign(node, {"status": "approved", "convention": approval["convention"],
                          "definition": approval["definition"],
                          "override": approval["override"],
                          "approved_by": approval["approved_by"], "approved_at": now_ms})
            assign(self.graph.services[service_id],
                   {"approved_sli": approval["approved_sli"]})
            return {"sli_id": sli_id, "service_id": service_id}
