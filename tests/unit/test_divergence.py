"""Divergence between what runtime telemetry observed and what was declared."""

from __future__ import annotations

from slo_engine.domain.divergence import edge_divergences, graph_divergences
from slo_engine.domain.model import DiscoverySource, Observation

NOW = 1_700_000_000_000
WEEK = 7 * 86_400_000
MANUAL = DiscoverySource.MANUAL
K8S = DiscoverySource.KUBERNETES
MESH = DiscoverySource.SERVICE_MESH
OTEL = DiscoverySource.OTEL_SERVICE_GRAPH


def seen(mode: str | None = None, days_ago: float = 0) -> Observation:
    attributes = {} if mode is None else {"communication_mode": mode}
    return Observation(attributes, NOW - int(days_ago * 86_400_000), 0.9)


def test_a_declared_edge_no_runtime_source_saw_within_the_window_is_declared_not_observed(
        ) -> None:
    found = edge_divergences(("a", "b"), {MANUAL: seen(), OTEL: seen(days_ago=8)}, NOW, WEEK,
                             runtime_active=True)
    assert [d.as_dict() for d in found] == [{
        "kind": "declared_not_observed", "source": "a", "target": "b",
        "declared_by": ["manual"], "observed_by": [], "attribute": None, "declared": None,
        "observed": None}]


def test_without_any_discovery_running_nothing_counts_as_unobserved() -> None:
    assert edge_divergences(("a", "b"), {MANUAL: seen()}, NOW, WEEK,
                            runtime_active=False) == []


def test_an_observed_edge_nobody_declared_is_observed_not_declared() -> None:
    found = edge_divergences(("a", "b"), {MESH: seen("sync"), OTEL: seen("sync")}, NOW, WEEK,
                             runtime_active=True)
    assert [(d.kind.value, d.observed_by) for d in found] == [
        ("observed_not_declared", ["service_mesh", "otel_service_graph"])]


def test_declared_async_observed_sync_is_a_disagreement_of_the_most_trusted_of_each() -> None:
    provenance = {MANUAL: seen("async"), K8S: seen("sync"), MESH: seen("sync"),
                  OTEL: seen("async")}
    found = edge_divergences(("a", "b"), provenance, NOW, WEEK, runtime_active=True)
    assert [(d.kind.value, d.attribute, d.declared, d.observed, d.declared_by, d.observed_by)
            for d in found] == [
        ("attribute_disagreement", "communication_mode", "async", "sync",
         ["manual", "kubernetes"], ["service_mesh", "otel_service_graph"])]


def test_agreeing_sources_diverge_nowhere() -> None:
    assert edge_divergences(("a", "b"), {K8S: seen("sync"), OTEL: seen("sync")}, NOW, WEEK,
                            runtime_active=True) == []


def test_the_graph_view_counts_discovery_running_if_any_edge_was_observed_lately() -> None:
    stored = {("a", "b"): {MANUAL: seen()}, ("c", "d"): {OTEL: seen("sync", days_ago=1)}}
    assert [(d.kind.value, d.source) for d in graph_divergences(stored, NOW, WEEK)] == [
        ("declared_not_observed", "a"), ("observed_not_declared", "c")]
    quiet = {("a", "b"): {MANUAL: seen()}, ("c", "d"): {OTEL: seen("sync", days_ago=9)}}
    assert graph_divergences(quiet, NOW, WEEK) == []
