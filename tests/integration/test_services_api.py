from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.api_helpers import graph, ingest


def test_services_page_through_with_an_opaque_cursor(client: TestClient) -> None:
    ingest(client, graph("manual", [], nodes=[f"svc-{i:02d}" for i in range(7)]))
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/services", params=params).json()
        seen += [s["service_id"] for s in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"svc-{i:02d}" for i in range(7)]
    assert pages == 3


def test_services_filter_by_team_criticality_and_discovery(client: TestClient) -> None:
    ingest(client, graph("manual", [("api", "ghost")], nodes=[
        {"service_id": "api", "metadata": {"team": "core", "criticality": "high"}},
        {"service_id": "web", "metadata": {"team": "edge", "criticality": "low"}},
    ]))
    def ids(**params: object) -> list[str]:
        page = client.get("/api/v1/services", params=params).json()
        return [s["service_id"] for s in page["items"]]

    assert ids(team="core") == ["api"]
    assert ids(criticality="low") == ["web"]
    assert ids(discovered=True) == ["ghost"]


def test_a_garbled_cursor_is_a_clear_422(client: TestClient) -> None:
    response = client.get("/api/v1/services", params={"cursor": "%%%not-ours"})
    assert response.status_code == 422
    assert "pass next_cursor from the previous page unchanged" in response.json()["detail"]


def test_one_service_shows_its_counts_metadata_and_cycle(client: TestClient) -> None:
    ingest(client, graph("manual", [("a", "b"), ("b", "a"), ("c", "a")], nodes=[
        {"service_id": "a", "metadata": {"team": "t", "runtime": "go1.22", "tier": 2}}]))
    body = client.get("/api/v1/services/a").json()
    assert (body["downstream_count"], body["upstream_count"]) == (1, 2)
    assert body["metadata"]["runtime"] == "go1.22"
    assert body["tier"] == 2
    assert body["scc_id"].startswith("scc-")
    assert body["created_at"].endswith("+00:00")


def test_an_unknown_route_is_a_problem_too(client: TestClient) -> None:
    response = client.get("/api/v2/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "No route matches GET /api/v2/nothing" in response.json()["detail"]
