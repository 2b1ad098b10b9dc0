"""User journeys (issue 19 items 3-4): defined, revised and read. A journey is an entry
service and the services it passes; each change is a new version that SUPERSEDES the
latest (versions are never edited), written with its audit event or not at all.

Steps are checked before anything is written: a service named twice (422), a service not
in the graph (404), a service the entry does not reach over live dependency edges (422).
The write is compare-and-set: when the chain head moved (a write elsewhere) it is hashed
again and retried; when the journey moved past the version the caller said it saw, it
conflicts (409).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slo_engine.application.graph_snapshot import GraphSnapshot, SnapshotHolder
from slo_engine.application.ports import Clock, JourneyStore, Row, SloLedger
from slo_engine.domain.audit_chain import ChainedEvent, canonical_json, chained
from slo_engine.domain.errors import (
    InvalidInput,
    JourneyConflict,
    JourneyNotFound,
    ServiceNotFound,
)
from slo_engine.domain.journey import repeated_steps, unreachable_steps

MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class JourneyDefinition:
    name: str
    steps: list[str]  # the entry service first
    availability_target_ratio: float | None = None  # what impact analysis protects


class Journeys:
    def __init__(self, store: JourneyStore, ledger: SloLedger, snapshots: SnapshotHolder,
                 clock: Clock, max_steps: int = 100) -> None:
        self._store = store
        self._ledger = ledger
        self._snapshots = snapshots
        self._clock = clock
        self._max_steps = max_steps

    def create(self, definition: JourneyDefinition, actor: str) -> Row:
        return self._record(str(uuid.uuid4()), definition, actor, None, revising=False)

    def revise(self, journey_id: str, definition: JourneyDefinition, actor: str,
               expected_version: int | None) -> Row:
        """A new version; `expected_version`: the one the caller saw (None: the latest)."""
        return self._record(journey_id, definition, actor, expected_version, revising=True)

    def get(self, journey_id: str) -> Row:
        """The latest version."""
        versions = self._store.journey_versions(journey_id)
        if not versions:
            raise JourneyNotFound(journey_id)
        return versions[0]

    def versions(self, journey_id: str) -> list[Row]:
        """Newest first."""
        versions = self._store.journey_versions(journey_id)
        if not versions:
            raise JourneyNotFound(journey_id)
        return versions

    def current(self) -> list[Row]:
        return self._store.current_journeys()

    def _check(self, definition: JourneyDefinition) -> None:
        steps = definition.steps
        if len(steps) > self._max_steps:
            raise InvalidInput(f"A journey has at most {self._max_steps} steps.", [{
                "pointer": "/steps", "message": f"give at most {self._max_steps} services"}])
        for k in repeated_steps(steps):
            raise InvalidInput(f"{steps[k]} is named twice in the steps.", [{
                "pointer": f"/steps/{k}", "message": "name each service once"}])
        snapshot = self._snapshots.current()
        for step in steps:
            if step not in snapshot.services:
                raise ServiceNotFound(step)
        for k in unreachable_steps(steps, _callees(snapshot)):
            raise InvalidInput(
                f"{steps[k]} does not connect: the entry service {steps[0]} does not reach "
                "it over the dependency graph.", [{
                    "pointer": f"/steps/{k}",
                    "message": f"name a service {steps[0]} calls, directly or through "
                               "other services"}])

    def _record(self, journey_id: str, definition: JourneyDefinition, actor: str,
                expected_version: int | None, revising: bool) -> Row:
        """Checked once, after the first read (a revision of no journey is a 404 before
        its definition is judged), then written against the version read."""
        for attempt in range(MAX_ATTEMPTS):
            versions = self._store.journey_versions(journey_id)
            if attempt == 0:
                if revising and not versions:
                    raise JourneyNotFound(journey_id)
                self._check(definition)
            latest = versions[0] if versions else None
            latest_version = int(latest["version"]) if latest else 0
            if expected_version is not None and expected_version != latest_version:
                raise JourneyConflict(f"Journey {journey_id} is at version {latest_version}, "
                                      f"not {expected_version}; revise it again against "
                                      "the latest.", latest_version)
            journey = self._journey(journey_id, definition, actor, latest_version + 1)
            event = self._event(journey, latest, actor)
            if self._store.record_journey_version(journey, latest_version, event,
                                                  int(journey["created_at"])):
                return journey
        raise JourneyConflict("The audit chain kept moving; try again.", latest_version)

    def _journey(self, journey_id: str, definition: JourneyDefinition, actor: str,
                 version: int) -> dict[str, Any]:
        return {"journey_id": journey_id, "version_id": str(uuid.uuid4()),
                "version": version, "name": definition.name, "steps": list(definition.steps),
                "entry_service_id": definition.steps[0],
                "availability_target_ratio": definition.availability_target_ratio,
                "created_at": self._clock.now_ms(), "created_by": actor}

    def _event(self, journey: Mapping[str, Any], previous: Row | None, actor: str
               ) -> ChainedEvent:
        sequence, previous_hash = self._ledger.audit_head()
        content = {
            "event_id": str(uuid.uuid4()),
            "action": "journey_revised" if previous else "journey_created",
            "journey_id": journey["journey_id"], "journey_version": journey["version"],
            "service_id": journey["entry_service_id"], "actor": actor,
            "occurred_at": journey["created_at"],
            # `detail`, as the service's audit trail shows it: the version and the one before.
            "detail": canonical_json({
                "journey": {k: v for k, v in journey.items() if v is not None},
                "previous_journey": dict(previous) if previous else None}),
        }
        return chained(content, sequence + 1, previous_hash)


def _callees(snapshot: GraphSnapshot) -> dict[str, list[str]]:
    """Live edges of any kind: a journey passes soft and asynchronous calls too."""
    return {source: [r["target"] for r in rows if not r["is_stale"]]
            for source, rows in snapshot.out_edges.items()}
