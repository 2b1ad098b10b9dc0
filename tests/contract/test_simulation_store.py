"""The SimulationStore contract on every graph backend (FalkorDB always, Neo4j when
NEO4J_URI is set). No in-memory fake implements it: use cases over it are tested against
the real stores (tests/integration/test_simulation_jobs.py, test_simulation_api.py)."""

from __future__ import annotations

import pytest

from slo_engine.adapters.graph.ledger import GraphSloLedger
from slo_engine.adapters.graph.repository import GraphRepository
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.adapters.graph.simulations import GraphSimulations
from slo_engine.domain.audit_chain import chained
from slo_engine.domain.model import DiscoverySource, ServiceRecord
from slo_engine.domain.simulation_record import SimulationRecord, record_of
from tests.conftest import graph_backends_only

pytestmark = graph_backends_only
DOCUMENT = {"simulation_id": "sim-1", "service_id": "checkout", "generated_at": "x",
            "slo": {"source": "active_slo", "slo_id": "slo-1", "version": 1},
            "slis": [{"target": 99.9, "note": "é \" quoted"}],
            "provenance": {"seed": 7}, "method": {"backtest": "every period"}}


@pytest.fixture
def ledger(graph_runner: CypherRunner) -> GraphSloLedger:
    GraphRepository(graph_runner).upsert_services(
        [ServiceRecord("checkout"), ServiceRecord("other")], DiscoverySource.MANUAL.rank, 1)
    ledger = GraphSloLedger(graph_runner)
    sequence, head = ledger.audit_head()
    assert ledger.record_slo_version(
        "checkout", None, None, "accepted",
        {"slo_id": "slo-1", "service_id": "checkout", "version": 1,
         "availability_target_ratio": 0.999, "activated_at": 2},
        chained({"event_id": "e-1", "action": "accept"}, sequence + 1, head), 2)
    return ledger


def _record(simulation_id: str = "sim-1", at: int = 10, service_id: str = "checkout"
            ) -> SimulationRecord:
    return record_of({**DOCUMENT, "simulation_id": simulation_id, "service_id": service_id},
                     service_id=service_id, created_at_ms=at, requested_by="jane",
                     run_mode="queued", inputs={"iterations": 500, "seed": 7},
                     summary={"slis": [{"rolling_breached": 2}]}, estimated_seconds=6.5)


def _store(store: GraphSimulations, _ledger: GraphSloLedger, record: SimulationRecord
           ) -> bool:
    return store.store_simulation(record)


def test_a_stored_simulation_reads_back_exactly(graph_runner: CypherRunner,
                                                ledger: GraphSloLedger) -> None:
    store = GraphSimulations(graph_runner)
    assert _store(store, ledger, _record())
    stored = store.get_simulation("sim-1")
    assert stored == _record()
    assert stored is not None
    assert stored.intact
    assert stored.slo_id == "slo-1"
    assert stored.slo_version == 1


def test_it_is_linked_to_its_service_and_the_slo_version_it_tested(
        graph_runner: CypherRunner, ledger: GraphSloLedger) -> None:
    store = GraphSimulations(graph_runner)
    _store(store, ledger, _record())
    assert _linked(graph_runner) == [("sim-1", "checkout", "slo-1")]


def _linked(runner: CypherRunner) -> list[tuple[str, str, str | None]]:
    """(simulation, service, SLO) along SIMULATES and TESTS, read past the catalog."""
    query = ("MATCH (m:Simulation)-[:SIMULATES]->(s:Service) "
             "OPTIONAL MATCH (m)-[:TESTS]->(o:SLO) "
             "RETURN m.simulation_id, s.service_id, o.slo_id ORDER BY m.simulation_id")
    if runner.backend == "falkordb":
        return [tuple(row) for row in runner._graph.query(query).result_set]  # type: ignore[attr-defined]
    with runner._driver.session() as session:  # type: ignore[attr-defined]
        return [tuple(record.values()) for record in session.run(query)]


def test_a_simulation_of_no_stored_slo_is_linked_to_its_service_only(
        graph_runner: CypherRunner, ledger: GraphSloLedger) -> None:
    record = record_of({**DOCUMENT, "slo": None}, service_id="checkout", created_at_ms=5,
                       requested_by="jane", run_mode="inline", inputs={}, summary={})
    assert _store(GraphSimulations(graph_runner), ledger, record)
    assert _linked(graph_runner) == [("sim-1", "checkout", None)]


def test_storing_leaves_the_audit_chain_alone(graph_runner: CypherRunner,
                                              ledger: GraphSloLedger) -> None:
    head = ledger.audit_head()
    assert _store(GraphSimulations(graph_runner), ledger, _record())
    assert ledger.audit_head() == head


def test_nothing_is_written_for_an_unknown_service(graph_runner: CypherRunner,
                                                   ledger: GraphSloLedger) -> None:
    store = GraphSimulations(graph_runner)
    assert not _store(store, ledger, _record(service_id="nobody"))
    assert store.get_simulation("sim-1") is None


def test_an_id_is_stored_once(graph_runner: CypherRunner, ledger: GraphSloLedger) -> None:
    store = GraphSimulations(graph_runner)
    assert _store(store, ledger, _record())
    assert not _store(store, ledger, _record(at=99))
    assert store.get_simulation("sim-1") == _record()


def test_a_service_lists_its_own_simulations_newest_first_without_bodies(
        graph_runner: CypherRunner, ledger: GraphSloLedger) -> None:
    store = GraphSimulations(graph_runner)
    for simulation_id, at in (("sim-a", 10), ("sim-c", 30), ("sim-b", 20)):
        _store(store, ledger, _record(simulation_id, at))
    _store(store, ledger, _record("sim-other", 40, service_id="other"))
    listed = store.service_simulations("checkout", 2)
    assert [r.simulation_id for r in listed] == ["sim-c", "sim-b"]
    assert (listed[0].body, listed[0].provenance, listed[0].method) == ("", None, None)
    assert listed[0].content_hash == _record("sim-c", 30).content_hash
    assert listed[0].inputs == {"iterations": 500, "seed": 7}
    assert store.service_simulations("nobody", 5) == []


def test_an_unknown_simulation_is_none(graph_runner: CypherRunner) -> None:
    assert GraphSimulations(graph_runner).get_simulation("never") is None
