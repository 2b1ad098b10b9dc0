"""The state the in-memory graph fakes share: one graph's nodes and relationships, held as
the database holds them. Properties are plain values (no nulls, no maps: a null SET removes
the property, a map is refused as both backends refuse it), nested values are JSON text,
and unique keys are enforced, so a fake cannot hold what the real store could not."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from slo_engine.domain.errors import InvalidInput

Props = dict[str, Any]
SCALARS = (str, bool, int, float)
INT64 = (-(2**63), 2**63 - 1)


class UniqueConstraintViolation(Exception):
    """A second node claimed a unique key, as the database's constraints refuse."""


def json_text(value: Any) -> str:
    """Nested values as the adapters store them: JSON with sorted keys."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def json_or_empty(text: str | None) -> Any:
    return orjson.loads(text) if text else {}


def _unstorable_text(value: str) -> bool:
    """A NUL or an unpaired surrogate: text FalkorDB's parameter header cannot carry."""
    return "\x00" in value or (not value.isascii()
                                and any("\ud800" <= c <= "\udfff" for c in value))


def _check_property(name: str, value: Any) -> None:
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if not isinstance(item, SCALARS):
            raise TypeError(f"property {name!r}: {type(item).__name__} is not a property "
                            "value (maps and nested lists go as JSON text)")
        if isinstance(item, int) and not INT64[0] <= item <= INT64[1]:
            raise OverflowError(f"property {name!r}: {item} does not fit 64 bits")
        if isinstance(item, str) and _unstorable_text(item):
            raise InvalidInput(f"A text value ({name}) holds a NUL character or an unpaired "
                               "UTF-16 surrogate; remove it and send the request again.",
                               [{"pointer": "", "message": "text with NUL or lone surrogate"}])


def checked(values: Mapping[str, Any]) -> Props:
    """These values, each null or a property value; anything else is refused."""
    for name, value in values.items():
        if value is not None:
            _check_property(name, value)
    return dict(values)


def storable(values: Mapping[str, Any]) -> Props:
    """What a node will hold of these values: no nulls; anything unstorable refused."""
    return {name: list(value) if isinstance(value, tuple) else value
            for name, value in checked(values).items() if value is not None}


def assign(node: Props, values: Mapping[str, Any]) -> None:
    """Cypher's SET of each value: a null removes the property."""
    kept = storable(values)
    for name in values:
        node.pop(name, None)
    node.update(kept)


def props(values: Mapping[str, Any]) -> Props:
    """A node's properties read back: copies, so a caller cannot edit the store."""
    return {k: list(v) if isinstance(v, list) else v for k, v in values.items()}


@dataclass
class Owned:
    """A node that hangs off one service (HAS_RECOMMENDATION, HAS_AGGREGATE)."""

    service_id: str
    properties: Props


@dataclass
class SloNode:
    """An SLO version and the one it SUPERSEDES."""

    properties: Props
    supersedes: SloNode | None = None


@dataclass
class AuditEventNode:
    """An audit event and the service it is ABOUT."""

    about: str
    properties: Props


@dataclass(eq=False)
class InMemoryGraph:
    """Knows how to hold one graph's nodes and relationships in memory, under one lock."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    services: dict[str, Props] = field(default_factory=dict)
    edges: dict[tuple[str, str], Props] = field(default_factory=dict)
    supernodes: dict[str, Props] = field(default_factory=dict)
    contains: dict[str, list[str]] = field(default_factory=dict)
    cycle_alerts: dict[str, Props] = field(default_factory=dict)
    ingestions: dict[str, Props] = field(default_factory=dict)
    graph_state: Props | None = None
    recommendations: dict[str, Owned] = field(default_factory=dict)
    aggregates: dict[str, Owned] = field(default_factory=dict)
    slos: list[SloNode] = field(default_factory=list)
    active_slos: dict[str, SloNode] = field(default_factory=dict)
    audit_head: Props | None = None
    audit_events: list[AuditEventNode] = field(default_factory=list)
    slis: dict[str, Props] = field(default_factory=dict)  # (:Sli) by sli_id
    journeys: list[Props] = field(default_factory=list)  # every version, in write order

    def recommendations_of(self, service_id: str) -> list[Props]:
        return [r.properties for r in self.recommendations.values()
                if r.service_id == service_id]

    def active_recommendation(self, service_id: str, recommendation_id: str | None
                              ) -> Props | None:
        """The recommendation of this id the service has, if it is still active."""
        owned = self.recommendations.get(recommendation_id or "")
        if owned is None or owned.service_id != service_id:
            return None
        return owned.properties if owned.properties.get("status") == "active" else None

    def head_matches(self, previous_hash: str, now_ms: int) -> bool:
        """Whether the audit chain's head (which must exist) is still `previous_hash`;
        the head is locked either way, as the statements lock it."""
        if self.audit_head is None:
            return False
        self.audit_head["locked_at"] = now_ms
        return bool(self.audit_head["hash"] == previous_hash)

    def append_event(self, service_id: str, properties: Props) -> None:
        """Adds an event ABOUT the service and moves the head to it (unique keys checked)."""
        for key in ("event_id", "sequence"):
            value = properties.get(key)
            if value is not None and any(e.properties.get(key) == value
                                         for e in self.audit_events):
                raise UniqueConstraintViolation(f"AuditEvent {key} {value!r} is not unique")
        self.audit_events.append(AuditEventNode(service_id, properties))
        assert self.audit_head is not None
        assign(self.audit_head, {"hash": properties.get("hash"),
                                 "sequence": properties.get("sequence")})


def refuse_taken(label: str, key: str, taken: bool) -> None:
    if taken:
        raise UniqueConstraintViolation(f"{label} {key!r} is not unique")


def refuse_repeats(label: str, keys: list[Any]) -> None:
    """One write naming a key twice has no agreed outcome: Neo4j keeps the last row's
    values, FalkorDB the first's (and counts a new edge once). The fake refuses it, as
    the ingestion's validation does before any write."""
    repeated = sorted(str(k) for k, n in Counter(keys).items() if n > 1)
    if repeated:
        raise ValueError(f"{label} listed twice in one write: {', '.join(repeated)}")
