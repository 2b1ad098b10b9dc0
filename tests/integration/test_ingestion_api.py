"""FR-1 ingestion through the API against a real FalkorDB and Redis."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from slo_engine.bench.synthetic import synthetic_graph
from slo_engine.domain.model import DiscoverySource
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
    from slo_engine.api.dependency_graph import to_submission
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


EXPORTED = {
    "source": "otel_service_graph",
    "edges": [
        {"source": "frontend", "target": "cart", "call_count": 1824,
         "attributes": {"protocol": "grpc", "confidence": "high",
                        "evidence": ["span 3f2a", "span 77b1"],
                        "interfaces": ["GetCart", "AddItem"]}},
        {"source": "cart", "target": "redis", "notes": "cache, falls back to db",
         "attributes": {"confidence_score": "low"}},
    ],
}


def test_an_exporters_extra_edge_attributes_are_kept_as_metadata_and_listed(
    client: TestClient, container: Container,
) -> None:
    result = ingest(client, EXPORTED)["result"]
    assert result["edges_with_metadata"] == 2
    assert result["edge_metadata_keys"] == ["call_count", "evidence", "interfaces", "notes"]
    provenance = container.graph.edge_provenance([("frontend", "cart"), ("cart", "redis")])
    observed = provenance[("frontend", "cart")][DiscoverySource.OTEL_SERVICE_GRAPH]
    assert observed.attributes == {"protocol": "grpc", "metadata": {
        "call_count": 1824, "evidence": ["span 3f2a", "span 77b1"],
        "interfaces": ["GetCart", "AddItem"]}}
    assert observed.confidence_ratio == 0.9  # "high"
    assert provenance[("cart", "redis")][DiscoverySource.OTEL_SERVICE_GRAPH].confidence_ratio \
        == 0.3  # "low"


def test_confidence_words_outside_the_documented_ones_are_refused_with_the_choices(
    client: TestClient,
) -> None:
    response = client.post(INGEST, json=graph("manual", [("a", "b", {"confidence": "sure"})]))
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error == {"pointer": "/edges/0/attributes/confidence",
                     "message": "value error, 'sure' is not a confidence: give a score from 0 "
                                "to 1, or high (0.9), medium (0.6) or low (0.3)"}


def test_edge_metadata_over_its_size_limit_is_refused_whole(client: TestClient) -> None:
    payload = graph("manual", [("a", "b", {"notes": "x" * 5000}), ("b", "c")])
    response = client.post(INGEST, json=payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/edges/0"
    assert "over the limit of 4096" in response.json()["errors"][0]["message"]
    assert client.get("/api/v1/services/b").status_code == 404


def test_a_known_attribute_beside_attributes_is_refused_with_where_it_belongs(
    client: TestClient,
) -> None:
    payload = {"source": "manual", "edges": [{"source": "a", "target": "b",
                                              "criticality": "soft"}]}
    response = client.post(INGEST, json=payload)
    assert response.status_code == 422
    assert response.json()["errors"] == [{
        "pointer": "/edges/0/criticality",
        "message": "'criticality' is an edge attribute: move it into /edges/0/attributes."}]


def test_a_misspelt_attributes_key_is_refused_not_kept_as_metadata(client: TestClient) -> None:
    payload = {"source": "manual", "edges": [{"source": "a", "target": "b",
                                              "atributes": {"criticality": "soft"}}]}
    response = client.post(INGEST, json=payload)
    assert response.status_code == 422
    assert response.json()["errors"] == [{
        "pointer": "/edges/0/atributes",
        "message": "unknown key 'atributes': did you mean 'attributes'?"}]
