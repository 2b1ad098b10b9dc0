"""The tamper-evident audit chain: each event's hash covers its content and its
predecessor's hash, so altering, removing or reordering any event breaks every link
after it (the construction of a hash chain, as in RFC 6962's log, without the tree).

An event's content is the flat mapping of what it records (strings, numbers, None; nested
values already rendered as canonical JSON text). The hash is SHA-256 over the canonical
JSON of that content plus the previous hash and the sequence number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no whitespace, non-ASCII kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def event_hash(content: Mapping[str, Any], sequence: int, previous_hash: str) -> str:
    chained = {"content": dict(content), "sequence": sequence, "previous_hash": previous_hash}
    return hashlib.sha256(canonical_json(chained).encode()).hexdigest()


@dataclass(frozen=True)
class ChainedEvent:
    sequence: int
    content: Mapping[str, Any]
    previous_hash: str
    hash: str


@dataclass(frozen=True)
class ChainVerification:
    valid: bool
    events_checked: int
    first_broken_sequence: int | None = None
    reason: str | None = None


def verify_chain(events: Iterable[ChainedEvent], head_sequence: int, head_hash: str,
                 after_sequence: int = 0, after_hash: str = GENESIS_HASH
                 ) -> ChainVerification:
    """Walks events in sequence order from (after_sequence, after_hash) and reports the
    first link that does not hold; the head must point at the last event, so removing
    the newest events is caught too."""
    expected_sequence, expected_previous, checked = after_sequence + 1, after_hash, 0
    for event in events:
        problem = _link_problem(event, expected_sequence, expected_previous)
        if problem is not None:
            return ChainVerification(False, checked, event.sequence, problem)
        expected_sequence, expected_previous, checked = event.sequence + 1, event.hash, checked + 1
    if expected_sequence - 1 != head_sequence or expected_previous != head_hash:
        return ChainVerification(False, checked, expected_sequence,
                                 f"the chain head says {head_sequence} events ending in "
                                 f"{head_hash[:12]}…, the events end at "
                                 f"{expected_sequence - 1}: events are missing")
    return ChainVerification(True, checked)


def _link_problem(event: ChainedEvent, sequence: int, previous_hash: str) -> str | None:
    if event.sequence != sequence:
        return f"expected event {sequence} next, found {event.sequence}: events are missing"
    if event.previous_hash != previous_hash:
        return "its previous_hash does not match the hash of the event before it"
    if event_hash(event.content, event.sequence, event.previous_hash) != event.hash:
        return "its content no longer matches its hash: the event was altered"
    return None


def chained(content: Mapping[str, Any], sequence: int, previous_hash: str) -> ChainedEvent:
    """An event ready to append: nulls dropped (stores keep none), then hashed."""
    kept = {k: v for k, v in content.items() if v is not None}
    return ChainedEvent(sequence, kept, previous_hash, event_hash(kept, sequence, previous_hash))
