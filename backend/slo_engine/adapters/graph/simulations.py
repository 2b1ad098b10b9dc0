"""The SimulationStore port over any CypherRunner. Neither backend stores maps or nulls
as properties: nested values travel as JSON text, absent ones are left out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from slo_engine.adapters.graph.ledger import stored_properties
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.domain.simulation_record import SimulationRecord

SIMULATION_QUERIES = ["simulations/store_simulation", "simulations/get_simulation",
                      "simulations/service_simulations"]
JSON_FIELDS = ("inputs", "summary", "provenance", "method")


def _properties(record: SimulationRecord) -> dict[str, Any]:
    values: dict[str, Any] = {
        "simulation_id": record.simulation_id, "service_id": record.service_id,
        "created_at": record.created_at_ms, "requested_by": record.requested_by,
        "run_mode": record.run_mode, "body": record.body,
        "content_hash": record.content_hash, "slo_id": record.slo_id,
        "slo_version": record.slo_version, "estimated_seconds": record.estimated_seconds}
    for name in JSON_FIELDS:
        value = getattr(record, name)
        values[name] = None if value is None else orjson.dumps(
            value, option=orjson.OPT_SORT_KEYS).decode()
    return stored_properties(values)


def _record(row: Mapping[str, Any]) -> SimulationRecord:
    loaded = {name: orjson.loads(row[name]) if row.get(name) else None for name in JSON_FIELDS}
    version = row.get("slo_version")
    estimate = row.get("estimated_seconds")
    return SimulationRecord(
        str(row["simulation_id"]), str(row["service_id"]), int(row["created_at"]),
        str(row["requested_by"]), row["run_mode"], loaded["inputs"] or {},
        loaded["summary"] or {}, str(row.get("body") or ""), str(row["content_hash"]),
        row.get("slo_id"), None if version is None else int(version),
        None if estimate is None else float(estimate), loaded["provenance"],
        loaded["method"])


class GraphSimulations:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner

    def store_simulation(self, record: SimulationRecord) -> bool:
        rows = self._runner.write(
            "simulations/store_simulation", service_id=record.service_id,
            simulation_id=record.simulation_id, slo_id=record.slo_id,
            simulation=_properties(record))
        return bool(rows)

    def get_simulation(self, simulation_id: str) -> SimulationRecord | None:
        rows = self._runner.read("simulations/get_simulation", simulation_id=simulation_id)
        return _record(rows[0]["properties"]) if rows else None

    def service_simulations(self, service_id: str, limit: int) -> list[SimulationRecord]:
        rows = self._runner.read("simulations/service_simulations", service_id=service_id,
                                 limit=limit)
        return [_record(row) for row in rows]
