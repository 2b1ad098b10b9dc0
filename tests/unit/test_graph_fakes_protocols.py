"""The in-memory graph fakes are the ports they stand in for: every member, with the same
parameters and types (mypy checks the assignments below too), over one shared graph."""

from __future__ import annotations

import inspect
from typing import Any, get_type_hints

import pytest

from slo_engine.application.ports import (
    GraphStore,
    RecommendationWindow,
    SliAggregateStore,
    SloLedger,
)
from slo_engine.domain.audit_chain import GENESIS_HASH, chained
from slo_engine.domain.model import DiscoverySource, ServiceRecord
from tests.fakes_graph import InMemoryGraphStore
from tests.fakes_graph_state import InMemoryGraph, UniqueConstraintViolation
from tests.fakes_ledger import InMemorySliAggregates, InMemorySloLedger

FAKES: list[tuple[type[Any], type[Any]]] = [
    (GraphStore, InMemoryGraphStore),
    (SloLedger, InMemorySloLedger),
    (SliAggregateStore, InMemorySliAggregates),
]
MANUAL = DiscoverySource.MANUAL.rank


def port_members(port: type[Any]) -> set[str]:
    """The methods and attributes a Protocol declares (not those of Protocol itself)."""
    methods = {name for name, value in vars(port).items()
               if inspect.isfunction(value) and not name.startswith("_")}
    return methods | set(getattr(port, "__annotations__", {}))


def signature(method: Any) -> tuple[list[tuple[str, Any, Any, Any]], Any]:
    """Each parameter's name, kind, default and type; and the return type."""
    hints = get_type_hints(method)
    return ([(p.name, p.kind, p.default, hints.get(p.name))
             for p in inspect.signature(method).parameters.values()], hints.get("return"))


@pytest.mark.parametrize(("port", "fake"), FAKES, ids=lambda t: t.__name__)
def test_each_fake_has_every_member_of_its_port_with_the_same_signature(
        port: type[Any], fake: type[Any]) -> None:
    members = port_members(port)
    assert members, f"{port.__name__} declares no members?"
    assert members - set(dir(fake)) == set()
    for name in members - set(port.__annotations__):
        assert signature(getattr(fake, name)) == signature(getattr(port, name)), name


def test_the_three_fakes_share_one_graph() -> None:
    graph = InMemoryGraph()
    store: GraphStore = InMemoryGraphStore(graph)
    ledger: SloLedger = InMemorySloLedger(graph)
    aggregates: SliAggregateStore = InMemorySliAggregates(graph)
    store.upsert_services([ServiceRecord("api", team="core")], MANUAL, 1)
    store.store_recommendation("api", "r-1", RecommendationWindow("all", 30, 7), 1, {}, {},
                               10, 20)
    assert ledger.get_recommendation("r-1") == {
        "service_id": "api", "recommendation_id": "r-1", "status": "active",
        "sli_type": "all", "period_days": 7, "generated_at": 10, "expires_at": 20,
        "targets": {}}
    assert aggregates.mark_recommendations_stale({"api": "p99 moved"}, 30) == ["api"]
    assert aggregates.active_recommendation_baselines() == []
    assert ledger.slo_coverage() == [
        {"team": "core", "criticality": None, "services": 1, "with_slo": 0}]


def test_the_fake_refuses_what_the_graph_cannot_hold() -> None:
    graph = InMemoryGraph()
    store, ledger = InMemoryGraphStore(graph), InMemorySloLedger(graph)
    store.upsert_services([ServiceRecord("api")], MANUAL, 1)
    nested = chained({"event_id": "e1", "action": "x", "service_id": "api",
                      "detail": {"p99": 0.3}}, 1, ledger.audit_head()[1])
    with pytest.raises(TypeError, match="not a property value"):
        ledger.append_audit_event("api", nested, 1)
    store.create_ingestion("i-1", "manual", 0, 0, 1)
    with pytest.raises(UniqueConstraintViolation, match="Ingestion"):
        store.create_ingestion("i-1", "manual", 0, 0, 2)
    with pytest.raises(ValueError, match="listed twice"):
        store.upsert_services([ServiceRecord("web"), ServiceRecord("web")], MANUAL, 3)
    assert store.existing_service_ids(["web"]) == set()


def test_an_append_before_the_chain_head_was_ever_read_writes_nothing() -> None:
    """As on the graph backends: appending needs the head that audit_head creates."""
    graph = InMemoryGraph()
    InMemoryGraphStore(graph).upsert_services([ServiceRecord("api")], MANUAL, 1)
    ledger = InMemorySloLedger(graph)
    event = chained({"event_id": "e1", "action": "x", "service_id": "api"}, 1, GENESIS_HASH)
    assert ledger.append_audit_event("api", event, 1) is False
    assert ledger.audit_head() == (0, GENESIS_HASH)
    assert ledger.append_audit_event("api", event, 2) is True
    assert ledger.audit_events(0, 10) == [event]
