"""Dependency subgraph reads: direction, exact depth, truncation, external services."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api_helpers import graph, ingest

# edge -> bff -> checkout -> payments -> ledger -> db ; checkout -> stripe (external)
CHAIN = [("edge", "bff"), ("bff", "checkout"), ("checkout", "payments"),
         ("payments", "ledger"), ("ledger", "db"), ("checkout", "stripe")]


@pytest.fixture
def chain(client: TestClient) -> TestClient:
    ingest(client, graph("manual", CHAIN, nodes=[
        {"service_id": "stripe", "metadata": {"service_type": "external", "team": "vendor"}},
        {"service_id": "checkout", "metadata": {"team": "payments", "criticality": "critical"}},
    ]))
    return client


def subgraph(client: TestClient, service: str, **query: object) -> dict[str, Any]:
    response = client.get(f"/api/v1/services/{service}/dependencies", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_downstream_to_depth_two_stops_there_and_says_so(chain: TestClient) -> None:
    body = subgraph(chain, "checkout", direction="downstream", depth=2)
    assert {n["service_id"]: n["downstream_depth"] for n in body["nodes"]} == {
        "payments": 1, "stripe": 1, "ledger": 2}
    assert sorted((e["source"], e["target"]) for e in body["edges"]) == [
        ("checkout", "payments"), ("checkout", "stripe"), ("payments", "ledger")]
    assert body["depth_limit_reached"] is True
    assert body["service"]["team"] == "payments"


def test_a_walk_that_ends_inside_the_limit_is_not_truncated(chain: TestClient) -> None:
    body = subgraph(chain, "payments", direction="downstream", depth=10)
    assert [n["service_id"] for n in body["nodes"]] == ["db", "ledger"]
    assert body["depth_limit_reached"] is False


def test_upstream_lists_the_callers_transitively(chain: TestClient) -> None:
    body = subgraph(chain, "payments", direction="upstream", depth=3)
    assert {n["service_id"]: n["upstream_depth"] for n in body["nodes"]} == {
        "checkout": 1, "bff": 2, "edge": 3}
    assert all(n["downstream_depth"] is None for n in body["nodes"])


def test_both_directions_by_default_with_edge_annotations(chain: TestClient) -> None:
    body = subgraph(chain, "checkout")
    assert (body["direction"], body["max_depth"]) == ("both", 3)
    ids = {n["service_id"] for n in body["nodes"]}
    assert ids == {"bff", "edge", "payments", "ledger", "db", "stripe"}
    edge = next(e for e in body["edges"] if e["target"] == "payments")
    assert (edge["criticality"], edge["communication_mode"], edge["sources"],
            edge["confidence_score"], edge["is_stale"]) == ("hard", "sync", ["manual"], 1.0, False)
    assert edge["last_observed_at"].endswith("+00:00")


def test_edge_metadata_is_shown_when_asked_for(client: TestClient) -> None:
    ingest(client, graph("manual", [("web", "api", {"owner_note": "via the mesh gateway",
                                                    "server_p99_seconds": 0.25}),
                                    ("api", "db")]))
    plain = subgraph(client, "web", direction="downstream")
    assert all("metadata" not in e for e in plain["edges"])  # not asked for: not read
    body = subgraph(client, "web", direction="downstream", include_metadata=True)
    assert {e["target"]: e["metadata"] for e in body["edges"]} == {
        "api": {"owner_note": "via the mesh gateway", "server_p99_seconds": 0.25},
        "db": {}}  # no metadata: an empty object, not a missing one


def test_external_services_can_be_left_out(chain: TestClient) -> None:
    body = subgraph(chain, "checkout", direction="downstream", depth=1, include_external=False)
    assert [n["service_id"] for n in body["nodes"]] == ["payments"]
    with_external = subgraph(chain, "checkout", direction="downstream", depth=1)
    stripe = next(n for n in with_external["nodes"] if n["service_id"] == "stripe")
    assert (stripe["service_type"], stripe["team"]) == ("external", "vendor")


def test_a_cycle_does_not_loop_the_walk(client: TestClient) -> None:
    ingest(client, graph("manual", [("a", "b"), ("b", "c"), ("c", "a")]))
    body = subgraph(client, "a", direction="downstream", depth=10)
    assert {n["service_id"]: n["downstream_depth"] for n in body["nodes"]} == {"b": 1, "c": 2}
    assert len(body["edges"]) == 3
    assert body["depth_limit_reached"] is False


def test_another_process_sees_a_change_on_its_next_read(chain: TestClient) -> None:
    """The snapshot follows the store's graph version, whoever wrote the change."""
    container = chain.app.state.container  # type: ignore[attr-defined]
    before = container.snapshots.current().version
    from tests.contract.test_graph_store import edge as resolved_edge

    now = container.clock.now_ms()
    container.graph.create_placeholder_services(["audit"], now)
    container.graph.upsert_dependencies([resolved_edge("db", "audit", observed=now)], now)
    container.graph.bump_graph_version(now)
    body = subgraph(chain, "ledger", direction="downstream", depth=2)
    assert {n["service_id"] for n in body["nodes"]} == {"db", "audit"}
    assert container.snapshots.current().version == before + 1


@pytest.mark.parametrize(("query", "pointer"), [
    ({"depth": 0}, "/query/depth"), ({"depth": 11}, "/query/depth"),
    ({"direction": "sideways"}, "/query/direction"),
])
def test_out_of_range_parameters_are_named(chain: TestClient, query: dict[str, int | str],
                                           pointer: str) -> None:
    response = chain.get("/api/v1/services/checkout/dependencies", params=query)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer


def test_an_unknown_service_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/services/nobody/dependencies")
    assert response.status_code == 404
    assert response.json()["detail"] == "Service 'nobody' does not exist."
    assert response.json()["type"].endswith("/service-not-found")
