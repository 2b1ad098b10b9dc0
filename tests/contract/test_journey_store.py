"""The JourneyStore contract, on every graph backend and the in-memory fake: versions
never edited, each write with its audit event or not at all."""

from __future__ import annotations

from typing import Any

import pytest

from slo_engine.adapters.graph.journeys import GraphJourneys
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import GraphStore, JourneyStore, SloLedger
from slo_engine.domain.audit_chain import ChainedEvent, chained
from slo_engine.domain.model import DiscoverySource, ServiceRecord
from tests.fakes_graph_state import InMemoryGraph
from tests.fakes_journeys import InMemoryJourneys


@pytest.fixture
def journey_store(store_backend: CypherRunner | None, memory_graph: InMemoryGraph,
                  graph_store: GraphStore) -> JourneyStore:
    graph_store.upsert_services(
        [ServiceRecord("web", metadata={"zone": "a", "node_pool": "p1"}),
         ServiceRecord("cart", metadata={"zone": "a"}), ServiceRecord("pay")],
        DiscoverySource.MANUAL.rank, 1)
    return InMemoryJourneys(memory_graph) if store_backend is None else GraphJourneys(
        store_backend)


def _journey(version: int, steps: list[str], name: str = "checkout") -> dict[str, Any]:
    return {"journey_id": "j-1", "version_id": f"j-1-v{version}", "version": version,
            "name": name, "steps": steps, "entry_service_id": steps[0], "created_at": version,
            "created_by": "alice", "availability_target_ratio": 0.99 if version > 1 else None}


def _event(ledger: SloLedger, version: int) -> ChainedEvent:
    sequence, head = ledger.audit_head()
    return chained({"event_id": f"e-{version}", "action": "journey_created",
                    "journey_id": "j-1", "service_id": "web"}, sequence + 1, head)


def test_a_journey_version_reads_back_with_its_steps_in_order_and_its_audit_event(
        journey_store: JourneyStore, slo_ledger: SloLedger) -> None:
    assert journey_store.record_journey_version(_journey(1, ["web", "pay", "cart"]), 0,
                                                _event(slo_ledger, 1), 5)
    [stored] = journey_store.journey_versions("j-1")
    assert stored == {"journey_id": "j-1", "version_id": "j-1-v1", "version": 1,
                      "name": "checkout", "steps": ["web", "pay", "cart"],
                      "entry_service_id": "web", "created_at": 1, "created_by": "alice"}
    assert slo_ledger.audit_head()[0] == 1
    [event] = slo_ledger.audit_events(0, 10)
    assert event.content["journey_id"] == "j-1"


def test_a_new_version_supersedes_the_latest_and_leaves_it_as_it_was(
        journey_store: JourneyStore, slo_ledger: SloLedger) -> None:
    journey_store.record_journey_version(_journey(1, ["web", "cart"]), 0,
                                         _event(slo_ledger, 1), 5)
    assert journey_store.record_journey_version(_journey(2, ["web", "pay"], "pay"), 1,
                                                _event(slo_ledger, 2), 6)
    versions = journey_store.journey_versions("j-1")
    assert [(v["version"], v["steps"]) for v in versions] == [(2, ["web", "pay"]),
                                                              (1, ["web", "cart"])]
    assert versions[0]["availability_target_ratio"] == 0.99
    assert [(j["version"], j["name"]) for j in journey_store.current_journeys()] == [
        (2, "pay")]


def test_a_write_against_an_old_version_or_an_old_chain_head_writes_nothing(
        journey_store: JourneyStore, slo_ledger: SloLedger) -> None:
    journey_store.record_journey_version(_journey(1, ["web"]), 0, _event(slo_ledger, 1), 5)
    assert not journey_store.record_journey_version(_journey(2, ["web", "pay"]), 0,
                                                    _event(slo_ledger, 2), 6)
    stale_head = chained({"event_id": "e-3", "action": "journey_revised"}, 1, "0" * 64)
    assert not journey_store.record_journey_version(_journey(2, ["web", "pay"]), 1,
                                                    stale_head, 6)
    assert [v["version"] for v in journey_store.journey_versions("j-1")] == [1]
    assert slo_ledger.audit_head()[0] == 1


def test_a_step_that_is_no_service_writes_nothing(journey_store: JourneyStore,
                                                  slo_ledger: SloLedger) -> None:
    assert not journey_store.record_journey_version(_journey(1, ["web", "ghost"]), 0,
                                                    _event(slo_ledger, 1), 5)
    assert journey_store.journey_versions("j-1") == []
    assert journey_store.current_journeys() == []
    assert slo_ledger.audit_head()[0] == 0


def test_service_metadata_is_read_for_the_services_that_exist(
        journey_store: JourneyStore) -> None:
    assert journey_store.service_metadata(["web", "pay", "ghost"]) == {
        "web": {"zone": "a", "node_pool": "p1"}, "pay": {}}
