"""The small store ports, each on every graph backend and as its in-memory fake."""

from __future__ import annotations

import pytest

from slo_engine.adapters.graph.api_keys import GraphApiKeys
from slo_engine.adapters.graph.auto_approval_rules import GraphApprovalRules
from slo_engine.adapters.graph.forecast_priors import GraphForecastPriors
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import ApiKeyStore, ApprovalRuleStore, ForecastPriorStore
from tests.fakes import InMemoryApiKeys, InMemoryApprovalRules, InMemoryForecastPriors


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
