"""The SliStore contract on every backend and on its in-memory fake."""

from __future__ import annotations

import pytest

from slo_engine.application.ports import GraphStore, Row
from slo_engine.application.sli_ports import SliStore


def candidate(sli_id: str, rank: int, convention: str = "prometheus_http") -> Row:
    return {"sli_id": sli_id, "convention": convention, "rank": rank, "confidence": 0.9,
            "definition": '{"requests_metric": "http_requests_total"}',
            "body": f'{{"rank": {rank}}}'}


def approval(convention: str = "prometheus_http", override: str | None = None) -> Row:
    return {"convention": convention, "definition": '{"requests_metric": "x_total"}',
            "override": override, "approved_by": "jane",
            "approved_sli": f'{{"convention": "{convention}"}}'}


@pytest.fixture
def stores(graph_store: GraphStore, sli_store: SliStore) -> tuple[GraphStore, SliStore]:
    graph_store.create_placeholder_services(["api", "web"], 1)
    return graph_store, sli_store


def summary(rows: list[Row]) -> list[tuple[str, str, int, str]]:
    return [(r["sli_id"], r["status"], r["rank"], r["convention"]) for r in rows]


def test_candidates_are_listed_by_rank_and_replaced_by_the_next_discovery(
        stores: tuple[GraphStore, SliStore]) -> None:
    _, slis = stores
    assert slis.store_candidates("api", [candidate("b", 1), candidate("a", 0)], 10) == 2
    assert summary(slis.slis_of("api")) == [("a", "candidate", 0, "prometheus_http"),
                                            ("b", "candidate", 1, "prometheus_http")]
    assert slis.store_candidates("api", [candidate("c", 0, "span_metrics")], 20) == 1
    assert summary(slis.slis_of("api")) == [("c", "candidate", 0, "span_metrics")]
    assert slis.slis_of("web") == []


def test_an_approved_sli_survives_rediscovery_with_what_the_person_approved(
        stores: tuple[GraphStore, SliStore]) -> None:
    graph, slis = stores
    slis.store_candidates("api", [candidate("a", 0), candidate("b", 1)], 10)
    assert slis.approve_sli("b", approval(override='{"total_query": "x"}'), 15) == {
        "sli_id": "b", "service_id": "api"}
    slis.store_candidates("api", [candidate("a", 0, "span_metrics")], 20)
    rows = slis.slis_of("api")
    assert summary(rows) == [("b", "approved", 1, "prometheus_http"),
                             ("a", "candidate", 0, "span_metrics")]
    assert (rows[0]["definition"], rows[0]["override"], rows[0]["approved_by"],
            rows[0]["approved_at"]) == ('{"requests_metric": "x_total"}',
                                        '{"total_query": "x"}', "jane", 15)
    service = next(s for s in graph.all_services() if s["service_id"] == "api")
    assert service["approved_sli"] == '{"convention": "prometheus_http"}'


def test_approving_another_sli_makes_the_earlier_one_a_candidate_again(
        stores: tuple[GraphStore, SliStore]) -> None:
    _, slis = stores
    slis.store_candidates("api", [candidate("a", 0), candidate("b", 1)], 10)
    slis.approve_sli("a", approval(), 11)
    slis.approve_sli("b", approval("otel_http_server"), 12)
    assert [(r["sli_id"], r["status"]) for r in slis.slis_of("api")] == [
        ("b", "approved"), ("a", "candidate")]
    found = slis.get_sli("b")
    assert found is not None
    assert (found["service_id"], found["convention"]) == ("api", "otel_http_server")


def test_unknown_slis_and_services_are_neither_found_nor_stored(
        stores: tuple[GraphStore, SliStore]) -> None:
    _, slis = stores
    assert slis.get_sli("nope") is None
    assert slis.approve_sli("nope", approval(), 1) is None
    assert slis.store_candidates("ghost", [candidate("g", 0)], 1) == 0
    assert slis.get_sli("g") is None
