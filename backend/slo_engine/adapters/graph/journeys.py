"""The JourneyStore port over any CypherRunner. A journey's steps travel as JSON text
(their order matters; PASSES relationships link the services for graph queries)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from slo_engine.adapters.graph.ledger import event_properties, stored_properties
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import Row
from slo_engine.domain.audit_chain import ChainedEvent

JOURNEY_QUERIES = ["journeys/record_journey_version", "journeys/journey_versions",
                   "journeys/current_journeys", "services/service_metadata"]


def _journey(properties: Mapping[str, Any]) -> Row:
    steps = properties.get("steps")
    return {**properties, "steps": orjson.loads(steps) if isinstance(steps, str) else []}


class GraphJourneys:
    def __init__(self, runner: CypherRunner) -> None:
        self._runner = runner

    def record_journey_version(self, journey: Mapping[str, Any], expected_version: int,
                               event: ChainedEvent, now_ms: int) -> bool:
        steps = list(journey["steps"])
        properties = {**stored_properties(journey), "steps": orjson.dumps(steps).decode()}
        rows = self._runner.write(
            "journeys/record_journey_version", journey_id=journey["journey_id"],
            expected_version=expected_version, journey=properties, steps=steps,
            previous_hash=event.previous_hash,
            event=event_properties(event), now=now_ms)
        return bool(rows)

    def journey_versions(self, journey_id: str) -> list[Row]:
        rows = self._runner.read("journeys/journey_versions", journey_id=journey_id)
        return [_journey(row["properties"]) for row in rows]

    def current_journeys(self) -> list[Row]:
        return [_journey(row["properties"])
                for row in self._runner.read("journeys/current_journeys")]

    def service_metadata(self, service_ids: list[str]) -> dict[str, dict[str, Any]]:
        rows = self._runner.read("services/service_metadata", service_ids=service_ids)
        return {row["service_id"]: orjson.loads(row["metadata"]) if row.get("metadata")
                else {} for row in rows}
