"""The JourneyStore port in memory, over the InMemoryGraph the other fakes share, each
method doing what its Cypher file does (the contract suite holds both to it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from slo_engine.adapters.graph.ledger import stored_properties
from slo_engine.application.ports import Row
from slo_engine.domain.audit_chain import ChainedEvent
from tests.fakes_graph_state import InMemoryGraph, json_or_empty, refuse_taken, storable


class InMemoryJourneys:
    def __init__(self, graph: InMemoryGraph) -> None:
        self._graph = graph

    def record_journey_version(self, journey: Mapping[str, Any], expected_version: int,
                               event: ChainedEvent, now_ms: int) -> bool:
        properties = storable({**stored_properties(journey),
                               "steps": orjson.dumps(list(journey["steps"])).decode()})
        with self._graph.lock:
            if not self._graph.head_matches(event.previous_hash, now_ms):
                return False
            if self._latest_version(str(journey["journey_id"])) != expected_version:
                return False
            if any(step not in self._graph.services for step in journey["steps"]):
                return False
            refuse_taken("Journey", str(journey["version_id"]), any(
                j["version_id"] == journey["version_id"] for j in self._graph.journeys))
            self._graph.append_event(str(journey["version_id"]), storable({
                **event.content, "sequence": event.sequence,
                "previous_hash": event.previous_hash, "hash": event.hash}))
            self._graph.journeys.append(properties)
            return True

    def journey_versions(self, journey_id: str) -> list[Row]:
        with self._graph.lock:
            found = [j for j in self._graph.journeys if j["journey_id"] == journey_id]
            return [_journey(j) for j in sorted(found, key=lambda j: -int(j["version"]))]

    def current_journeys(self) -> list[Row]:
        with self._graph.lock:
            latest: dict[str, Mapping[str, Any]] = {}
            for journey in self._graph.journeys:
                held = latest.get(journey["journey_id"])
                if held is None or journey["version"] > held["version"]:
                    latest[journey["journey_id"]] = journey
            return [_journey(j) for j in sorted(latest.values(),
                                                key=lambda j: (j["name"], j["journey_id"]))]

    def service_metadata(self, service_ids: list[str]) -> dict[str, dict[str, Any]]:
        with self._graph.lock:
            return {s: dict(json_or_empty(self._graph.services[s].get("metadata")))
                    for s in service_ids if s in self._graph.services}

    def _latest_version(self, journey_id: str) -> int:
        return max((int(j["version"]) for j in self._graph.journeys
                    if j["journey_id"] == journey_id), default=0)


def _journey(properties: Mapping[str, Any]) -> Row:
    return {**properties, "steps": orjson.loads(properties["steps"])}
