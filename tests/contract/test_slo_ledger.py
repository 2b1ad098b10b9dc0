"""The SloLedger and ApprovalRuleStore contracts: SLO versions, decisions, the audit chain
and auto-approval rules on every backend and on the in-memory fakes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slo_engine.application.ports import (
    ApprovalRuleStore,
    GraphStore,
    RecommendationWindow,
    SloLedger,
)
from slo_engine.domain.audit_chain import GENESIS_HASH, ChainedEvent, chained, verify_chain
from slo_engine.domain.auto_approval import AutoApprovalRule, RuleConditions
from slo_engine.domain.model import DiscoverySource, ServiceRecord

MANUAL = DiscoverySource.MANUAL.rank
TARGETS = {"availability_ratio": {"balanced": 0.999}, "latency_seconds": {}}
ALL_30D = RecommendationWindow("all", 30, 30)


def _service_with_recommendation(graph: GraphStore, recommendation_id: str = "rec-1"
                                 ) -> None:
    graph.upsert_services([ServiceRecord("checkout", team="payments")], MANUAL, 1)
    graph.store_recommendation("checkout", recommendation_id, ALL_30D, 1, {"x": 1}, TARGETS,
                               10, 10 + 86_400_000)


def _slo(slo_id: str, version: int, ratio: float) -> dict[str, Any]:
    return {"slo_id": slo_id, "service_id": "checkout", "version": version,
            "availability_target_ratio": ratio, "latency_targets_seconds": {"p99": 0.25},
            "latency_bucket_bounds_seconds": [0.1, 0.25, 0.5], "period_days": 28,
            "source": "recommendation_accepted", "activated_at": 100 + version,
            "activated_by": "jane", "rationale": None, "modification_delta": []}


def _event(ledger: SloLedger, action: str = "accept", **extra: Any) -> ChainedEvent:
    sequence, previous = ledger.audit_head()
    content = {"event_id": f"e{sequence + 1}", "action": action, "service_id": "checkout",
               "actor": "jane", "occurred_at": 100 + sequence, "rationale": None, **extra}
    return chained(content, sequence + 1, previous)


def test_a_new_ledger_starts_its_chain_at_genesis(slo_ledger: SloLedger) -> None:
    assert slo_ledger.audit_head() == (0, GENESIS_HASH)
    assert slo_ledger.audit_head() == (0, GENESIS_HASH)


def test_a_new_version_supersedes_the_active_one_which_stays_as_it_was(
    graph_store: GraphStore, slo_ledger: SloLedger,
) -> None:
    _service_with_recommendation(graph_store)
    assert slo_ledger.record_slo_version("checkout", None, "rec-1", "accepted",
                                         _slo("v1", 1, 0.999), _event(slo_ledger), 5)
    graph_store.store_recommendation("checkout", "rec-2", ALL_30D, 1, {}, TARGETS, 20,
                                     20 + 86_400_000)
    assert slo_ledger.record_slo_version("checkout", "v1", "rec-2", "modified",
                                         _slo("v2", 2, 0.995), _event(slo_ledger), 6)
    active = slo_ledger.active_slo("checkout")
    assert active is not None
    assert (active["slo_id"], active["availability_target_ratio"]) == ("v2", 0.995)
    assert active["latency_targets_seconds"] == {"p99": 0.25}
    versions = slo_ledger.slo_versions("checkout")
    assert [v["slo_id"] for v in versions] == ["v2", "v1"]
    assert versions[1] == {k: v for k, v in _slo("v1", 1, 0.999).items() if v is not None}
    assert slo_ledger.get_recommendation("rec-1")["status"] == "accepted"  # type: ignore[index]
    assert slo_ledger.get_recommendation("rec-2")["status"] == "modified"  # type: ignore[index]
    assert slo_ledger.all_active_slos().keys() == {"checkout"}


def test_nothing_is_written_when_the_chain_head_moved(
    graph_store: GraphStore, slo_ledger: SloLedger,
) -> None:
    _service_with_recommendation(graph_store)
    late = _event(slo_ledger)
    assert slo_ledger.append_audit_event("checkout", _event(slo_ledger, "drift_triggered"), 1)
    assert not slo_ledger.record_slo_version("checkout", None, "rec-1", "accepted",
                                             _slo("v1", 1, 0.999), late, 5)
    assert slo_ledger.active_slo("checkout") is None
    assert slo_ledger.audit_head()[0] == 1
    assert slo_ledger.get_recommendation("rec-1")["status"] == "active"  # type: ignore[index]


def test_nothing_is_written_when_the_active_slo_or_recommendation_moved(
    graph_store: GraphStore, slo_ledger: SloLedger,
) -> None:
    _service_with_recommendation(graph_store)
    assert slo_ledger.record_slo_version("checkout", None, "rec-1", "accepted",
                                         _slo("v1", 1, 0.999), _event(slo_ledger), 5)
    # the same recommendation again: it is no longer active
    assert not slo_ledger.record_slo_version("checkout", "v1", "rec-1", "accepted",
                                             _slo("v2", 2, 0.99), _event(slo_ledger), 6)
    # a version that expected no SLO yet
    graph_store.store_recommendation("checkout", "rec-2", ALL_30D, 1, {}, TARGETS, 20,
                                     20 + 86_400_000)
    assert not slo_ledger.record_slo_version("checkout", None, "rec-2", "accepted",
                                             _slo("v2", 2, 0.99), _event(slo_ledger), 6)
    assert [v["slo_id"] for v in slo_ledger.slo_versions("checkout")] == ["v1"]
    assert slo_ledger.audit_head()[0] == 1


def test_a_rejection_marks_the_recommendation_and_keeps_the_rationale(
    graph_store: GraphStore, slo_ledger: SloLedger,
) -> None:
    _service_with_recommendation(graph_store)
    why = "target too aggressive for upcoming holiday traffic"
    assert slo_ledger.record_rejection("checkout", "rec-1",
                                       _event(slo_ledger, "reject", rationale=why), 5)
    assert slo_ledger.get_recommendation("rec-1")["status"] == "rejected"  # type: ignore[index]
    (event,) = slo_ledger.service_audit_events("checkout", 10)
    assert (event.content["action"], event.content["rationale"]) == ("reject", why)
    assert not slo_ledger.record_rejection("checkout", "rec-1", _event(slo_ledger, "reject",
                                                                       rationale=why), 6)


def test_stored_events_read_back_exactly_as_they_were_hashed(
    graph_store: GraphStore, slo_ledger: SloLedger,
) -> None:
    _service_with_recommendation(graph_store)
    written = []
    for k in range(7):
        event = _event(slo_ledger, "drift_triggered", detail='{"p99":0.3125}',
                       rationale=f"note é \"{k}\"")
        assert slo_ledger.append_audit_event("checkout", event, k)
        written.append(event)
    read = slo_ledger.audit_events(0, 100)
    assert read == written
    assert slo_ledger.audit_events(5, 100) == written[5:]
    head = slo_ledger.audit_head()
    assert head == (7, written[-1].hash)
    assert verify_chain(read, *head).valid
    assert slo_ledger.service_audit_events("checkout", 2) == written[::-1][:2]


def test_approval_rules_are_created_listed_updated_and_deleted(
    approval_rule_store: ApprovalRuleStore,
) -> None:
    store = approval_rule_store
    first = AutoApprovalRule("r1", "low", RuleConditions(("low",), (), 0.9), False, "admin",
                             1, 1)
    second = replace(first, rule_id="r2", name="teams", created_at_ms=2, updated_at_ms=2,
                     conditions=RuleConditions((), ("shop",), 0.5, "aggressive"))
    store.create_rule(second)
    store.create_rule(first)
    assert store.list_rules() == [first, second]
    enabled = replace(first, enabled=True, name="low only", updated_at_ms=5)
    assert store.update_rule(enabled)
    assert store.get_rule("r1") == enabled
    assert store.delete_rule("r1")
    assert not store.delete_rule("r1")
    assert not store.update_rule(enabled)
    assert store.list_rules() == [second]
