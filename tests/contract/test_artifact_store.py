"""The ArtifactStore contract, on every graph backend and the in-memory fake."""

from __future__ import annotations

import pytest

from slo_engine.adapters.graph.artifacts import GraphArtifacts
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.application.ports import ArtifactStore, GraphStore, SloLedger
from slo_engine.domain.artifact import (
    Artifact,
    ArtifactType,
    ValidationStatus,
    artifact_id,
    content_hash,
)
from slo_engine.domain.audit_chain import chained
from slo_engine.domain.model import DiscoverySource, ServiceRecord
from tests.fakes import InMemoryArtifacts
from tests.fakes_graph_state import InMemoryGraph

TEXT = 'groups:\n- name: "quote \\" é"\n  rules: []\n'


@pytest.fixture
def artifact_store(store_backend: CypherRunner | None, memory_graph: InMemoryGraph,
                   graph_store: GraphStore, slo_ledger: SloLedger) -> ArtifactStore:
    graph_store.upsert_services([ServiceRecord("checkout")], DiscoverySource.MANUAL.rank, 1)
    sequence, head = slo_ledger.audit_head()
    assert slo_ledger.record_slo_version(
        "checkout", None, None, "accepted",
        {"slo_id": "slo-1", "service_id": "checkout", "version": 1,
         "availability_target_ratio": 0.999, "activated_at": 2},
        chained({"event_id": "e-1", "action": "accept"}, sequence + 1, head), 2)
    if store_backend is None:
        return InMemoryArtifacts(lambda slo_id: any(
            n.properties.get("slo_id") == slo_id for n in memory_graph.slos))
    return GraphArtifacts(store_backend)


def _artifact(slo_id: str = "slo-1", content: str = TEXT, at: int = 10) -> Artifact:
    kind = ArtifactType.PROMETHEUS_RULES
    return Artifact(artifact_id(slo_id, kind, "1"), kind, "checkout", slo_id, 1, "1",
                    "application/yaml", content, content_hash(content),
                    ValidationStatus.VALID, "SUCCESS: 12 rules found", at)


def test_a_stored_artifact_reads_back_exactly(artifact_store: ArtifactStore) -> None:
    assert artifact_store.store_artifact(_artifact()) == (_artifact(), True)
    assert artifact_store.get_artifact(_artifact().artifact_id) == _artifact()


def test_storing_the_same_artifact_again_returns_the_first_unchanged(
        artifact_store: ArtifactStore) -> None:
    artifact_store.store_artifact(_artifact())
    again = artifact_store.store_artifact(_artifact(content="changed", at=20))
    assert again == (_artifact(), False)
    assert artifact_store.store_artifact(_artifact()) == (_artifact(), False)


def test_an_artifact_of_an_unknown_slo_is_not_stored(artifact_store: ArtifactStore) -> None:
    assert artifact_store.store_artifact(_artifact(slo_id="slo-none")) is None
    assert artifact_store.get_artifact(_artifact(slo_id="slo-none").artifact_id) is None


def test_artifact_ids_follow_from_slo_type_and_generator_version() -> None:
    kind = ArtifactType.PROMETHEUS_RULES
    assert artifact_id("slo-1", kind, "1") == artifact_id("slo-1", kind, "1")
    assert len({artifact_id("slo-1", kind, "1"), artifact_id("slo-2", kind, "1"),
                artifact_id("slo-1", ArtifactType.SLOTH_SPEC, "1"),
                artifact_id("slo-1", kind, "2")}) == 4
