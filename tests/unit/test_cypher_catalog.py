import re

import pytest

from slo_engine.adapters.graph.api_keys import API_KEY_QUERIES
from slo_engine.adapters.graph.artifacts import ARTIFACT_QUERIES
from slo_engine.adapters.graph.auto_approval_rules import RULE_QUERIES
from slo_engine.adapters.graph.cypher_loader import (
    QueryCatalog,
    QueryCatalogError,
    parse_query,
    schema_statements,
)
from slo_engine.adapters.graph.forecast_priors import FORECAST_PRIOR_QUERIES
from slo_engine.adapters.graph.journeys import JOURNEY_QUERIES
from slo_engine.adapters.graph.ledger import LEDGER_QUERIES
from slo_engine.adapters.graph.repository import REQUIRED_QUERIES
from slo_engine.adapters.graph.runner import UNIQUE_KEYS
from slo_engine.adapters.graph.simulations import SIMULATION_QUERIES
from slo_engine.adapters.graph.sli_aggregates import AGGREGATE_QUERIES
from slo_engine.adapters.graph.slis import SLI_QUERIES

PORTABILITY_BANS = ("apoc.", "EXISTS {", "COUNT {", "shortestPath", "elementId(", "datetime(",
                    "timestamp()", "date(")


def test_every_query_the_repository_needs_is_shipped() -> None:
    QueryCatalog.load().require(REQUIRED_QUERIES)


def test_every_shipped_query_is_used_by_the_repository() -> None:
    assert set(QueryCatalog.load().names()) == set(
        REQUIRED_QUERIES + LEDGER_QUERIES + RULE_QUERIES + API_KEY_QUERIES
        + AGGREGATE_QUERIES + FORECAST_PRIOR_QUERIES + ARTIFACT_QUERIES + SLI_QUERIES
        + SIMULATION_QUERIES + JOURNEY_QUERIES)


def test_no_query_uses_a_construct_one_backend_lacks() -> None:
    catalog = QueryCatalog.load()
    for name in catalog.names():
        text = catalog.get(name).text
        assert not [ban for ban in PORTABILITY_BANS if ban in text], name


def test_a_header_that_disagrees_with_the_body_fails_loading() -> None:
    source = "// x\n// parameters: $a\n// columns: n\nRETURN $a + $b AS n"
    with pytest.raises(QueryCatalogError, match=r"declares \['a'\] but the query uses"):
        parse_query("area/x", source)


def test_a_query_without_a_columns_line_fails_loading() -> None:
    with pytest.raises(QueryCatalogError, match="no '// columns:' line"):
        parse_query("area/x", "// parameters: none\nRETURN 1")


def test_an_unknown_query_name_is_an_error_naming_it() -> None:
    with pytest.raises(QueryCatalogError, match="no Cypher query named 'nope/nothing'"):
        QueryCatalog.load().get("nope/nothing")


@pytest.mark.parametrize("backend", ["falkordb", "neo4j"])
def test_both_schemas_index_every_unique_key(backend: str) -> None:
    ddl = "\n".join(schema_statements(backend))
    for label, prop in UNIQUE_KEYS:
        pattern = rf"\(\w+:{label}\) (ON \(|REQUIRE )\w+\.{prop}\b"
        assert re.search(pattern, ddl), (backend, label, prop)


def test_the_neo4j_schema_declares_each_unique_key_as_a_constraint() -> None:
    constraints = [s for s in schema_statements("neo4j") if "IS UNIQUE" in s]
    assert len(constraints) == len(UNIQUE_KEYS)


def test_no_query_edits_or_deletes_an_audit_event() -> None:
    """The audit trail is append-only: events are only ever created."""
    catalog = QueryCatalog.load()
    for name in catalog.names():
        text = catalog.get(name).text
        bound = set(re.findall(r"\((\w+):AuditEvent\b", text))
        for variable in bound:
            assert not re.search(rf"\b(SET|REMOVE)\s+{variable}\.", text) or \
                re.search(rf"CREATE \({variable}:AuditEvent\)", text), name
            assert not re.search(rf"DELETE\s+[\w, ]*\b{variable}\b", text), name
