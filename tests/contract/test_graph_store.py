"""The GraphStore contract: every backend, and the in-memory fake, must behave exactly
like this."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

import pytest

from slo_engine.adapters.graph.falkordb_runner import FalkorDBRunner
from slo_engine.adapters.graph.neo4j_runner import Neo4jRunner
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import GraphStore, RecommendationWindow, SloLedger
from slo_engine.domain.cycles import Cycle
from slo_engine.domain.model import (
    DiscoverySource,
    Observation,
    ResolvedEdge,
    ServiceCriticality,
    ServiceRecord,
)
from tests.conftest import graph_backends_only

MANUAL, K8S = DiscoverySource.MANUAL.rank, DiscoverySource.KUBERNETES.rank


def edge(source: str, target: str, observed: int = 1_000, stale: bool = False,
         **attributes: object) -> ResolvedEdge:
    attrs = {"communication_mode": "sync", "criticality": "hard", **attributes}
    provenance = {DiscoverySource.SERVICE_MESH: Observation(attrs, observed, 0.95)}
    return ResolvedEdge(source, target, attrs, ["service_mesh"], 0.95, observed, stale,
                        provenance)


def test_edge_metadata_reads_back_for_the_pairs_asked(graph_store: GraphStore) -> None:
    graph_store.create_placeholder_services(["a", "b", "c"], 1)
    nasty = 'quote " backslash \\ newline \n é'
    graph_store.upsert_dependencies([
        replace(edge("a", "b"), metadata={"server_p99_seconds": 0.25, "note": nasty}),
        edge("a", "c")], 2)
    assert graph_store.edge_metadata([("a", "b"), ("a", "c"), ("c", "a")]) == {
        ("a", "b"): {"server_p99_seconds": 0.25, "note": nasty}}  # none: left out
    assert graph_store.edge_metadata([]) == {}


def test_a_described_service_reads_back_with_its_metadata(graph_store: GraphStore) -> None:
    nasty = 'quote " backslash \\ newline \n unicode é control \x07 {"k": 1}'
    graph_store.upsert_services([ServiceRecord(
        "checkout", team="payments", criticality=ServiceCriticality.HIGH, tier=1,
        metadata={"runtime": "python3.12", "notes": nasty})], MANUAL, 5)
    service = graph_store.get_service("checkout")
    assert service is not None
    assert (service["team"], service["criticality"], service["tier"]) == ("payments", "high", 1)
    assert service["metadata"] == {"runtime": "python3.12", "notes": nasty}
    assert service["discovered"] is False
    assert (service["created_at"], service["upstream_count"], service["scc_id"]) == (5, 0, None)


def test_a_less_trusted_source_does_not_overwrite_a_more_trusted_one(
    graph_store: GraphStore,
) -> None:
    graph_store.upsert_services([ServiceRecord("api", team="core")], MANUAL, 1)
    graph_store.upsert_services([ServiceRecord("api", team="k8s-guess")], K8S, 2)
    service = graph_store.get_service("api")
    assert service is not None
    assert service["team"] == "core"
    graph_store.upsert_services([ServiceRecord("api", team="core-platform")], MANUAL, 3)
    service = graph_store.get_service("api")
    assert service is not None
    assert service["team"] == "core-platform"


def test_a_placeholder_is_discovered_until_described(graph_store: GraphStore) -> None:
    graph_store.create_placeholder_services(["ghost"], 1)
    assert graph_store.existing_service_ids(["ghost", "other"]) == {"ghost"}
    assert graph_store.get_service("ghost")["discovered"] is True  # type: ignore[index]
    graph_store.upsert_services([ServiceRecord("ghost", team="found")], K8S, 2)
    described = graph_store.get_service("ghost")
    assert described is not None
    assert (described["discovered"], described["team"]) == (False, "found")


def test_services_list_in_id_order_after_a_cursor_with_filters(
    graph_store: GraphStore,
) -> None:
    graph_store.upsert_services(
        [ServiceRecord(f"svc-{i}", team="a" if i % 2 else "b") for i in range(5)], MANUAL, 1)
    page = graph_store.list_services("svc-1", 10, {})
    assert [s["service_id"] for s in page] == ["svc-2", "svc-3", "svc-4"]
    team_a = graph_store.list_services("", 10, {"team": "a"})
    assert [s["service_id"] for s in team_a] == ["svc-1", "svc-3"]


def test_edges_round_trip_with_attributes_and_provenance(graph_store: GraphStore) -> None:
    graph_store.create_placeholder_services(["a", "b", "c"], 1)
    graph_store.upsert_dependencies([
        edge("a", "b", protocol="grpc", timeout_ms=500, retry_config={"max_retries": 3}),
        edge("a", "c", redundancy_group="replicas"),
    ], 2)
    provenance = graph_store.edge_provenance([("a", "b"), ("b", "a")])
    assert list(provenance) == [("a", "b")]
    observation = provenance[("a", "b")][DiscoverySource.SERVICE_MESH]
    assert observation.attributes["retry_config"] == {"max_retries": 3}
    assert (observation.observed_at_ms, observation.confidence_ratio) == (1_000, 0.95)
    edges = {(e["source"], e["target"]): e for e in graph_store.all_dependencies()}
    assert edges[("a", "b")]["protocol"] == "grpc"
    assert edges[("a", "b")]["sources"] == ["service_mesh"]
    assert edges[("a", "c")]["redundancy_group"] == "replicas"
    assert graph_store.get_service("a")["downstream_count"] == 2  # type: ignore[index]


def test_shared_provenance_is_that_of_the_edges_another_source_also_reports(
    graph_store: GraphStore,
) -> None:
    graph_store.create_placeholder_services(["a", "b", "c"], 1)
    declared = Observation({"communication_mode": "async"}, 500, 1.0)
    both = edge("a", "c")
    both = ResolvedEdge("a", "c", both.attributes, ["manual", "service_mesh"], 1.0, 1_000,
                        False, {**both.provenance, DiscoverySource.MANUAL: declared})
    graph_store.upsert_dependencies([edge("a", "b"), both], 2)
    pairs = [("a", "b"), ("a", "c"), ("b", "c")]
    mesh_only = graph_store.shared_edge_provenance(pairs, DiscoverySource.SERVICE_MESH)
    assert list(mesh_only) == [("a", "c")]
    assert mesh_only[("a", "c")][DiscoverySource.MANUAL] == declared
    manual = graph_store.shared_edge_provenance(pairs, DiscoverySource.MANUAL)
    assert sorted(manual) == [("a", "b"), ("a", "c")]
    assert manual == graph_store.edge_provenance(pairs)


def test_upserting_the_same_edge_again_updates_it_in_place(graph_store: GraphStore) -> None:
    graph_store.create_placeholder_services(["a", "b"], 1)
    graph_store.upsert_dependencies([edge("a", "b", protocol="http")], 2)
    graph_store.upsert_dependencies([edge("a", "b", protocol="grpc")], 3)
    (only,) = graph_store.all_dependencies()
    assert only["protocol"] == "grpc"


def test_edges_older_than_the_cutoff_are_marked_stale_and_kept(
    graph_store: GraphStore,
) -> None:
    graph_store.create_placeholder_services(["a", "b", "c"], 1)
    graph_store.upsert_dependencies([edge("a", "b", observed=100), edge("a", "c", observed=900)],
                                    1_000)
    assert graph_store.mark_stale_dependencies(cutoff_ms=500, now_ms=1_000) == 1
    assert graph_store.mark_stale_dependencies(cutoff_ms=500, now_ms=1_000) == 0
    stale = {(e["source"], e["target"]): e["is_stale"] for e in graph_store.all_dependencies()}
    assert stale == {("a", "b"): True, ("a", "c"): False}
    assert graph_store.dependency_pairs() == {"a": ["c"]}


def test_cycles_are_stored_once_and_resolved_when_they_vanish(
    graph_store: GraphStore,
) -> None:
    graph_store.create_placeholder_services(["a", "b", "c"], 1)
    loop = Cycle(("a", "b"), ("a", "b", "a"))
    assert graph_store.upsert_cycle_alerts([loop], "i-1", 10) == {loop.cycle_id}
    assert graph_store.upsert_cycle_alerts([loop], "i-2", 10) == set()
    graph_store.replace_supernodes([loop], 10)
    graph_store.replace_supernodes([loop], 20)
    assert graph_store.get_service("a")["scc_id"] == loop.cycle_id  # type: ignore[index]
    (alert,) = graph_store.list_cycle_alerts(None)
    assert (alert["cycle_path"], alert["status"], alert["detected_at"]) == (
        ["a", "b", "a"], "open", 10)
    assert graph_store.resolve_vanished_cycle_alerts([], 30) == [loop.cycle_id]
    graph_store.replace_supernodes([], 30)
    assert graph_store.get_service("a")["scc_id"] is None  # type: ignore[index]
    assert graph_store.list_cycle_alerts("open") == []


def test_a_resolved_cycle_that_returns_is_reopened(graph_store: GraphStore) -> None:
    loop = Cycle(("a", "b"), ("a", "b", "a"))
    graph_store.upsert_cycle_alerts([loop], "i-1", 10)
    assert graph_store.update_cycle_alert(loop.cycle_id, "resolved", "sre@x", "split it", 20)
    graph_store.upsert_cycle_alerts([loop], "i-2", 30)
    alert = graph_store.get_cycle_alert(loop.cycle_id)
    assert alert is not None
    assert (alert["status"], alert["acknowledged_by"]) == ("open", "sre@x")


def test_updating_an_unknown_cycle_alert_reports_nothing_updated(
    graph_store: GraphStore,
) -> None:
    assert graph_store.update_cycle_alert("scc-none", "acknowledged", None, None, 1) is False


def test_an_ingestion_record_tracks_its_outcome(graph_store: GraphStore) -> None:
    graph_store.create_ingestion("i-1", "manual", 2, 3, 10)
    assert graph_store.get_ingestion("i-1")["status"] == "processing"  # type: ignore[index]
    graph_store.finish_ingestion("i-1", "completed", {"edges_upserted": 3}, 20)
    record = graph_store.get_ingestion("i-1")
    assert record is not None
    assert (record["status"], record["result"], record["completed_at"]) == (
        "completed", {"edges_upserted": 3}, 20)
    assert graph_store.get_ingestion("i-2") is None


def test_the_graph_version_counts_changes(graph_store: GraphStore) -> None:
    assert graph_store.graph_version() == 0
    assert graph_store.bump_graph_version(1) == 1
    assert graph_store.bump_graph_version(2) == 2
    assert graph_store.graph_version() == 2


def test_concurrent_upserts_of_the_same_services_create_each_once(
    graph_store: GraphStore,
) -> None:
    services = [ServiceRecord(f"svc-{i}") for i in range(200)]
    errors: list[Exception] = []

    def upsert() -> None:
        try:
            graph_store.upsert_services(services, MANUAL, 1)
        except Exception as error:  # collected and asserted on below
            errors.append(error)

    threads = [threading.Thread(target=upsert) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(graph_store.all_services()) == 200


@graph_backends_only
def test_the_store_refuses_a_second_service_with_the_same_id(
    graph_runner: CypherRunner, graph_store: GraphStore,
) -> None:
    """Uniqueness is enforced by the database itself, not only by MERGE."""
    graph_store.create_placeholder_services(["dup"], 1)
    duplicate = "CREATE (:Service {service_id: 'dup'})"
    if isinstance(graph_runner, FalkorDBRunner):
        with pytest.raises(Exception, match=r"(?i)unique"):
            graph_runner._graph.query(duplicate)
    else:
        assert isinstance(graph_runner, Neo4jRunner)
        with graph_runner._driver.session() as session, pytest.raises(Exception, match=r"already"):
            session.run(duplicate).consume()


def test_text_with_control_characters_round_trips_exactly(graph_store: GraphStore) -> None:
    """Such text takes the driver's own parameter encoding; it must read back unchanged."""
    text = "bell \x07 tab \t quote \" unicode \u00e9"
    graph_store.create_ingestion("i-ctl", "manual", 0, 0, 1)
    graph_store.finish_ingestion("i-ctl", "failed", {"error": text}, 2)
    record = graph_store.get_ingestion("i-ctl")
    assert record is not None
    assert record["result"] == {"error": text}


def test_a_large_upsert_writes_every_batch_in_order(graph_store: GraphStore) -> None:
    """Batches are pipelined; each pair is written once and later batches see earlier ones."""
    callers = [f"caller-{i:03d}" for i in range(60)]
    graph_store.create_placeholder_services([*callers, "hub"], 1)
    edges = [edge(c, f"dep-{j:03d}") for c in callers for j in range(120)]
    graph_store.create_placeholder_services(sorted({e.target for e in edges}), 1)
    assert graph_store.upsert_dependencies(edges, 2) == len(edges) == 7_200
    assert sum(len(t) for t in graph_store.dependency_pairs().values()) == 7_200


def _recommend(graph: GraphStore, recommendation_id: str, window: RecommendationWindow,
               now: int) -> None:
    graph.store_recommendation("checkout", recommendation_id, window, 1,
                               {"recommendation_id": recommendation_id}, {}, now,
                               now + 86_400_000)


def test_recommendations_of_different_slo_periods_are_kept_apart(
        graph_store: GraphStore) -> None:
    graph_store.upsert_services([ServiceRecord("checkout")], MANUAL, 1)
    month, week = RecommendationWindow("all", 30, 30), RecommendationWindow("all", 30, 7)
    _recommend(graph_store, "r-month", month, 10)
    _recommend(graph_store, "r-week", week, 20)
    _recommend(graph_store, "r-month-2", month, 30)
    latest = {w.period_days: graph_store.latest_recommendation("checkout", w)
              for w in (month, week)}
    assert {days: row and row["recommendation_id"] for days, row in latest.items()} == \
        {30: "r-month-2", 7: "r-week"}
    assert graph_store.latest_recommendation("checkout",
                                             RecommendationWindow("all", 30, 28)) is None


def test_a_recommendation_stored_before_periods_were_kept_reads_as_a_30_day_one(
        store_recommendation_before_periods: Callable[..., object], graph_store: GraphStore,
        slo_ledger: SloLedger
) -> None:
    graph_store.upsert_services([ServiceRecord("checkout")], MANUAL, 1)
    store_recommendation_before_periods(
        service_id="checkout", recommendation_id="r-old", sli_type="all", lookback_days=30,
        graph_version=1, body='{"recommendation_id": "r-old"}', targets="{}", now=10,
        expires_at=20)
    month = RecommendationWindow("all", 30, 30)
    old = graph_store.latest_recommendation("checkout", month)
    assert old is not None
    assert old["body"] == {"recommendation_id": "r-old"}
    assert graph_store.latest_recommendation("checkout",
                                             RecommendationWindow("all", 30, 7)) is None
    _recommend(graph_store, "r-new", month, 30)  # supersedes the old one
    new = graph_store.latest_recommendation("checkout", month)
    assert new is not None
    assert new["recommendation_id"] == "r-new"
    superseded = slo_ledger.get_recommendation("r-old")
    assert superseded is not None
    assert superseded["status"] == "superseded"
