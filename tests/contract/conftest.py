"""The small store ports, each on every graph backend and as its in-memory fake (the graph
ports' fixtures are in tests/conftest.py); and what releases before SLO periods wrote."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from slo_engine.adapters.graph.api_keys import GraphApiKeys
from slo_engine.adapters.graph.auto_approval_rules import GraphApprovalRules
from slo_engine.adapters.graph.forecast_priors import GraphForecastPriors
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.adapters.graph.slis import GraphSlis
from slo_engine.application.ports import ApiKeyStore, ApprovalRuleStore, ForecastPriorStore
from slo_engine.application.sli_ports import SliStore
from tests.fakes import InMemoryApiKeys, InMemoryApprovalRules, InMemoryForecastPriors
from tests.fakes_graph_state import InMemoryGraph, Owned, assign, refuse_taken, storable
from tests.fakes_slis import InMemorySlis


@pytest.fixture
def api_key_store(store_backend: CypherRunner | None) -> ApiKeyStore:
    return InMemoryApiKeys() if store_backend is None else GraphApiKeys(store_backend)


@pytest.fixture
def forecast_prior_store(store_backend: CypherRunner | None) -> ForecastPriorStore:
    return (InMemoryForecastPriors() if store_backend is None
            else GraphForecastPriors(store_backend))


@pytest.fixture
def approval_rule_store(store_backend: CypherRunner | None) -> ApprovalRuleStore:
    return (InMemoryApprovalRules() if store_backend is None
            else GraphApprovalRules(store_backend))


@pytest.fixture
def sli_store(store_backend: CypherRunner | None, memory_graph: InMemoryGraph) -> SliStore:
    """The SliStore port on every backend (sharing the graph of `graph_store`)."""
    return InMemorySlis(memory_graph) if store_backend is None else GraphSlis(store_backend)


def hold_recommendation_without_period(graph: InMemoryGraph, **params: Any) -> None:
    """What tests/legacy_cypher/legacy/store_recommendation_without_period.cypher does, in
    the in-memory graph: the active one of the same SLI type and lookback (of any period)
    is superseded, and the new one has no period_days."""
    service_id, recommendation_id = params["service_id"], params["recommendation_id"]
    with graph.lock:
        if service_id not in graph.services:
            return
        refuse_taken("Recommendation", recommendation_id,
                     recommendation_id in graph.recommendations)
        for old in graph.recommendations_of(service_id):
            if (old.get("status"), old.get("sli_type"), old.get("lookback_days")) == (
                    "active", params["sli_type"], params["lookback_days"]):
                assign(old, {"status": "superseded", "superseded_at": params["now"]})
        graph.recommendations[recommendation_id] = Owned(service_id, storable({
            "recommendation_id": recommendation_id, "status": "active",
            "sli_type": params["sli_type"], "lookback_days": params["lookback_days"],
            "graph_version": params["graph_version"], "body": params["body"],
            "targets": params["targets"], "generated_at": params["now"],
            "expires_at": params["expires_at"]}))


@pytest.fixture
def store_recommendation_before_periods(store_backend: CypherRunner | None,
                                        memory_graph: InMemoryGraph) -> Callable[..., object]:
    """Writes a recommendation as releases before SLO periods were kept did: their Cypher
    on a graph backend, the node it made (no period_days) in the in-memory graph."""
    if store_backend is None:
        return partial(hold_recommendation_without_period, memory_graph)
    return partial(store_backend.write, "legacy/store_recommendation_without_period")
