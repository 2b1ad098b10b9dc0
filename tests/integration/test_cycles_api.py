from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import SettableClock
from tests.integration.api_helpers import ADMIN, graph, ingest

LOOP = [("a", "b"), ("b", "c"), ("c", "a")]


def test_a_new_cycle_is_reported_by_the_ingestion_and_listed(client: TestClient) -> None:
    result = ingest(client, graph("manual", LOOP))["result"]
    (new,) = result["cycles"]["new"]
    assert new["cycle_path"] == ["a", "b", "c", "a"]
    (alert,) = client.get("/api/v1/graph/cycles").json()["items"]
    assert (alert["cycle_id"], alert["status"], alert["members"]) == (
        new["cycle_id"], "open", ["a", "b", "c"])


def test_reingesting_the_same_cycle_does_not_duplicate_it(client: TestClient) -> None:
    ingest(client, graph("manual", LOOP))
    again = ingest(client, graph("service_mesh", LOOP))["result"]
    assert again["cycles"] == {"total": 1, "new": [], "resolved": []}
    assert len(client.get("/api/v1/graph/cycles").json()["items"]) == 1


def test_a_cycle_can_be_acknowledged_then_resolved(client: TestClient) -> None:
    ingest(client, graph("manual", LOOP))
    cycle_id = client.get("/api/v1/graph/cycles").json()["items"][0]["cycle_id"]
    acknowledged = client.patch(f"/api/v1/graph/cycles/{cycle_id}", json={
        "status": "acknowledged"}).json()
    assert (acknowledged["status"], acknowledged["acknowledged_by"]) == (
        "acknowledged", ADMIN)  # the caller's identity
    assert client.get("/api/v1/graph/cycles", params={"status": "open"}).json()["items"] == []
    resolved = client.patch(f"/api/v1/graph/cycles/{cycle_id}", json={
        "status": "resolved", "resolution_notes": "made c->a async"}).json()
    assert (resolved["status"], resolved["acknowledged_by"], resolved["resolution_notes"]) == (
        "resolved", ADMIN, "made c->a async")


def test_a_cycle_whose_edge_goes_stale_is_resolved_automatically(
    client: TestClient, clock: SettableClock,
) -> None:
    ingest(client, graph("kubernetes", LOOP))
    clock.advance_days(8)
    result = ingest(client, graph("manual", [("a", "b"), ("b", "c")]))["result"]  # not c->a
    assert result["edges_marked_stale"] == 1
    assert len(result["cycles"]["resolved"]) == 1
    (alert,) = client.get("/api/v1/graph/cycles").json()["items"]
    assert alert["status"] == "resolved"
    assert alert["resolution_notes"] == "No longer detected in the dependency graph."


def test_patching_an_unknown_cycle_is_a_404_and_a_bad_status_a_422(client: TestClient) -> None:
    missing = client.patch("/api/v1/graph/cycles/scc-0000", json={"status": "acknowledged"})
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/cycle-alert-not-found")
    invalid = client.patch("/api/v1/graph/cycles/scc-0000", json={"status": "ignored"})
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["pointer"] == "/status"
