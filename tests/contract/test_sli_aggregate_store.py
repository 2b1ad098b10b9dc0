"""The SliAggregateStore contract on every backend and on its in-memory fake."""

from __future__ import annotations

import pytest

from slo_engine.application.ports import GraphStore, RecommendationWindow, SliAggregateStore
from slo_engine.domain.sli_aggregates import SliAggregate


def sli(service_id: str, window: str, error: float | None, p99: float | None = 0.25
        ) -> SliAggregate:
    return SliAggregate(service_id, window, 3600.0, None if error is None else 1 - error,
                        error, 1.0, 0.05, 0.2, p99)


@pytest.fixture
def stores(graph_store: GraphStore, sli_aggregate_store: SliAggregateStore
           ) -> tuple[GraphStore, SliAggregateStore]:
    graph_store.create_placeholder_services(["api", "web"], 1)
    return graph_store, sli_aggregate_store


def recommend(graph: GraphStore, service_id: str, recommendation_id: str,
              lookback_days: int = 30, now: int = 10) -> None:
    graph.store_recommendation(service_id, recommendation_id,
                               RecommendationWindow("all", lookback_days, 30), 1,
                               {"service_id": service_id}, {}, now, now + 1000)


def test_the_latest_aggregate_per_window_replaces_the_previous_one(
        stores: tuple[GraphStore, SliAggregateStore]) -> None:
    _, aggregates = stores
    assert aggregates.store_aggregates([sli("api", "1h", 0.01), sli("api", "28d", 0.002),
                                        sli("web", "1h", None, None)], 100) == 3
    assert aggregates.store_aggregates([sli("api", "1h", 0.03)], 200) == 1
    rows = sorted(aggregates.service_aggregates("api"), key=lambda r: r["window"])
    assert [(r["window"], r["error_ratio"], r["computed_at"]) for r in rows] == [
        ("1h", 0.03, 200), ("28d", 0.002, 100)]
    assert rows[0]["latency_p99_seconds"] == 0.25
    assert rows[0]["requests"] == 3600.0
    (web,) = aggregates.service_aggregates("web")
    assert (web["error_ratio"], web["latency_p99_seconds"]) == (None, None)


def test_aggregates_of_unknown_services_are_not_stored(
        stores: tuple[GraphStore, SliAggregateStore]) -> None:
    _, aggregates = stores
    assert aggregates.store_aggregates([sli("ghost", "1h", 0.01)], 100) == 0
    assert aggregates.service_aggregates("ghost") == []


def test_a_baseline_is_set_once_and_read_back_with_its_recommendation(
        stores: tuple[GraphStore, SliAggregateStore]) -> None:
    graph, aggregates = stores
    recommend(graph, "api", "r-1", lookback_days=7)
    (row,) = aggregates.active_recommendation_baselines()
    assert row == {"recommendation_id": "r-1", "service_id": "api", "lookback_days": 7,
                   "baseline": None}
    aggregates.set_recommendation_baselines({"r-1": {"window": "7d", "error_ratio": 0.001,
                                                     "latency_p99_seconds": 0.25}})
    (row,) = aggregates.active_recommendation_baselines()
    assert row["baseline"] == {"window": "7d", "error_ratio": 0.001,
                               "latency_p99_seconds": 0.25}


def test_marking_stale_touches_active_recommendations_of_the_named_services_once(
        stores: tuple[GraphStore, SliAggregateStore]) -> None:
    graph, aggregates = stores
    recommend(graph, "api", "r-old", now=10)
    recommend(graph, "api", "r-new", now=20)  # supersedes r-old
    recommend(graph, "web", "r-web")
    assert aggregates.mark_recommendations_stale({"api": "p99 moved", "ghost": "x"}, 30) == [
        "api"]
    assert aggregates.mark_recommendations_stale({"api": "again"}, 40) == []
    remaining = aggregates.active_recommendation_baselines()
    assert [r["recommendation_id"] for r in remaining] == ["r-web"]
