from __future__ import annotations

from dataclasses import replace

from slo_engine.domain.audit_chain import (
    GENESIS_HASH,
    ChainedEvent,
    chained,
    event_hash,
    verify_chain,
)


def _chain(length: int) -> list[ChainedEvent]:
    events, previous = [], GENESIS_HASH
    for k in range(1, length + 1):
        event = chained({"action": "accept", "actor": f"user-{k}", "occurred_at": k}, k,
                        previous)
        events.append(event)
        previous = event.hash
    return events


def test_an_untouched_chain_verifies() -> None:
    events = _chain(5)
    result = verify_chain(events, 5, events[-1].hash)
    assert (result.valid, result.events_checked, result.first_broken_sequence) == (True, 5, None)


def test_an_empty_chain_verifies_against_the_genesis_head() -> None:
    assert verify_chain([], 0, GENESIS_HASH).valid


def test_the_hash_covers_content_sequence_and_predecessor() -> None:
    base = event_hash({"a": 1}, 1, GENESIS_HASH)
    assert base != event_hash({"a": 2}, 1, GENESIS_HASH)
    assert base != event_hash({"a": 1}, 2, GENESIS_HASH)
    assert base != event_hash({"a": 1}, 1, "f" * 64)
    assert base == event_hash({"a": 1}, 1, GENESIS_HASH)


def test_an_altered_event_is_the_first_broken_link() -> None:
    events = _chain(5)
    events[2] = replace(events[2], content={**events[2].content, "actor": "mallory"})
    result = verify_chain(events, 5, events[-1].hash)
    assert (result.valid, result.first_broken_sequence, result.events_checked) == (False, 3, 2)
    assert result.reason is not None
    assert "altered" in result.reason


def test_an_altered_event_with_a_recomputed_hash_breaks_the_next_link() -> None:
    events = _chain(5)
    forged = chained({**events[2].content, "actor": "mallory"}, 3, events[2].previous_hash)
    events[2] = forged
    result = verify_chain(events, 5, events[-1].hash)
    assert (result.valid, result.first_broken_sequence) == (False, 4)


def test_a_removed_event_is_reported() -> None:
    events = _chain(5)
    del events[1]
    result = verify_chain(events, 5, events[-1].hash)
    assert (result.valid, result.first_broken_sequence) == (False, 3)
    assert result.reason is not None
    assert "missing" in result.reason


def test_removing_the_newest_events_is_caught_by_the_head() -> None:
    events = _chain(5)
    result = verify_chain(events[:3], 5, events[-1].hash)
    assert (result.valid, result.first_broken_sequence, result.events_checked) == (False, 4, 3)
