"""FR-1 ingestion through the API against a real FalkorDB and Redis."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.runtime.bootstrap import Container
from tests.conftest import SettableClock
from tests.integration.api_helpers import INGEST, graph, ingest


def test_ac001_a_500_service_graph_is_stored_with_annotations_and_cycles_reported(
    client: TestClient, container: Container,
) -> None:
    payload = synthetic_graph(500, 2_000, cycles=6, seed=3)
    accepted = client.post(INGEST, json=payload).json()
    assert (accepted["status"], accepted["nodes_received"], accepted["edges_received"]) == (
        "processing", 500, 2_000)
    result = client.get(accepted["status_url"]).json()["result"]
    assert (result["nodes_upserted"], result["edges_upserted"]) == (500, 2_000)
    assert result["cycles"]["total"] >= 1
    assert all(c["cycle_path"][0] == c["cycle_path"][-1] for c in result["cycles"]["new"])
    stored = {(e["source"], e["target"]): e for e in container.graph.all_dependencies()}
    assert len(stored) == 2_000
    for submitted in payload["edges"][:50]:
        edge = stored[(submitted["source"], submitted["target"])]
        for name, value in submitted["attributes"].items():
            assert edge[name] == value
        assert edge["sources"] == ["otel_service_graph"]
    assert len(container.graph.all_services()) == 500


def test_an_unknown_service_in_an_edge_becomes_a_discovered_placeholder(
    client: TestClient,
) -> None:
    result = ingest(client, graph("manual", [("checkout", "fraud-check")], nodes=["checkout"]))
    assert result["result"]["services_discovered"] == ["fraud-check"]
    assert client.get("/api/v1/services/fraud-check").json()["discovered"] is True
    ingest(client, graph("kubernetes", [], nodes=[
        {"service_id": "fraud-check", "metadata": {"team": "risk"}}]))
    described = client.get("/api/v1/services/fraud-check").json()
    assert (described["discovered"], described["team"]) == (False, "risk")


def test_partial_submissions_merge_into_one_graph(client: TestClient) -> None:
    ingest(client, graph("service_mesh", [("a", "b")]))
    ingest(client, graph("service_mesh", [("a", "c")]))
    body = client.get("/api/v1/services/a/dependencies?direction=downstream").json()
    assert sorted(e["target"] for e in body["edges"]) == ["b", "c"]


def test_conflicting_sources_resolve_by_priority_and_the_conflict_is_reported(
    client: TestClient,
) -> None:
    ingest(client, graph("kubernetes", [("a", "b", {"criticality": "soft", "timeout_ms": 900})]))
    result = ingest(client, graph("manual", [("a", "b", {"criticality": "hard"})]))["result"]
    assert result["conflicts"] == [{
        "edge": ["a", "b"], "attribute": "criticality",
        "values": {"manual": "hard", "kubernetes": "soft"}, "resolved_from": "manual",
    }]
    ingest(client, graph("otel_service_graph", [("a", "b", {"criticality": "degraded"})]))
    (edge,) = client.get("/api/v1/services/a/dependencies?direction=downstream").json()["edges"]
    assert edge["criticality"] == "hard"
    assert edge["timeout_ms"] == 900
    assert edge["sources"] == ["manual", "otel_service_graph", "kubernetes"]
    assert edge["confidence_score"] == 1.0


def test_edges_not_refreshed_within_the_window_are_stale_but_kept(
    client: TestClient, container: Container,
) -> None:
    long_ago = (datetime.now(UTC) - timedelta(days=8)).isoformat()
    ingest(client, graph("kubernetes", [("a", "old")], timestamp=long_ago))
    result = ingest(client, graph("kubernetes", [("a", "new")]))["result"]
    live = client.get("/api/v1/services/a/dependencies?direction=downstream").json()
    assert [e["target"] for e in live["edges"]] == ["new"]
    everything = client.get(
        "/api/v1/services/a/dependencies?direction=downstream&include_stale=true").json()
    stale = {e["target"]: e["is_stale"] for e in everything["edges"]}
    assert stale == {"old": True, "new": False}
    assert result["edges_marked_stale"] == 0  # it arrived stale: counted on arrival instead
    refreshed = ingest(client, graph("service_mesh", [("a", "old")]))["result"]
    assert refreshed["edges_stale_on_arrival"] == 0
    assert {e["target"] for e in client.get(
        "/api/v1/services/a/dependencies?direction=downstream").json()["edges"]} == {"old", "new"}


def test_a_future_timestamp_is_clamped_to_now(client: TestClient, container: Container) -> None:
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    ingest(client, graph("manual", [("a", "b")], timestamp=future))
    (edge,) = container.graph.all_dependencies()
    assert edge["last_observed_at"] <= container.clock.now_ms()


def test_concurrent_ingestions_of_overlapping_graphs_leave_one_node_and_edge_each(
    container: Container,
) -> None:
    from slo_engine.api.dependencies import to_submission
    from slo_engine.api.ingestion_schemas import GraphSubmissionIn

    first = synthetic_graph(300, 1_200, seed=1, source="service_mesh")
    second = synthetic_graph(300, 1_200, seed=1, source="kubernetes")  # the same pairs
    errors: list[Exception] = []

    def run(payload: dict[str, object]) -> None:
        try:
            submission = to_submission(GraphSubmissionIn.model_validate(payload),
                                       container.clock.now_ms())
            container.ingest.process(container.ingest.accept(submission), submission)
        except Exception as error:  # collected and asserted on below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(p,)) for p in (first, second, first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    edges = container.graph.all_dependencies()
    assert len(edges) == 1_200
    assert len({(e["source"], e["target"]) for e in edges}) == 1_200
    assert all(e["sources"] == ["service_mesh", "kubernetes"] for e in edges)
    assert len(container.graph.all_services()) == 300


def test_an_unknown_ingestion_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/services/dependencies/ingestions/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/ingestion-not-found")


def test_an_edge_past_the_window_reads_as_stale_before_any_new_ingestion(
    client: TestClient, clock: SettableClock,
) -> None:
    ingest(client, graph("kubernetes", [("a", "b")]))
    clock.advance_days(8)
    path = "/api/v1/services/a/dependencies?direction=downstream"
    assert client.get(path).json()["edges"] == []
    (edge,) = client.get(path + "&include_stale=true").json()["edges"]
    assert edge["is_stale"] is True
