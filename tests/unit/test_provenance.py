from slo_engine.domain.model import DiscoverySource, Observation
from slo_engine.domain.provenance import (
    attribute_conflicts,
    corroborated_confidence,
    is_stale,
    resolve_attributes,
    resolve_edge,
)

MANUAL = DiscoverySource.MANUAL
MESH = DiscoverySource.SERVICE_MESH
OTEL = DiscoverySource.OTEL_SERVICE_GRAPH
K8S = DiscoverySource.KUBERNETES
DAY_MS = 86_400_000


def seen(confidence: float = 0.9, at: int = 0, **attributes: object) -> Observation:
    return Observation(dict(attributes), at, confidence)


def test_each_attribute_comes_from_the_most_trusted_source_that_reported_it() -> None:
    provenance = {
        K8S: seen(criticality="soft", protocol="http", timeout_ms=100),
        MESH: seen(protocol="grpc"),
        MANUAL: seen(criticality="hard"),
    }
    resolved = resolve_attributes(provenance)
    assert resolved["criticality"] == "hard"
    assert resolved["protocol"] == "grpc"
    assert resolved["timeout_ms"] == 100


def test_unreported_mode_and_criticality_default_to_the_conservative_sync_and_hard() -> None:
    resolved = resolve_attributes({K8S: seen(protocol="http")})
    assert resolved["communication_mode"] == "sync"
    assert resolved["criticality"] == "hard"


def test_sources_that_disagree_are_a_conflict_won_by_priority() -> None:
    provenance = {OTEL: seen(criticality="soft", protocol="grpc"),
                  MANUAL: seen(criticality="hard", protocol="grpc")}
    (conflict,) = attribute_conflicts("a", "b", provenance)
    assert conflict.as_dict() == {
        "edge": ["a", "b"], "attribute": "criticality",
        "values": {"manual": "hard", "otel_service_graph": "soft"}, "resolved_from": "manual",
    }


def test_equal_values_in_a_different_key_order_are_no_conflict() -> None:
    provenance = {MANUAL: seen(retry_config={"max_retries": 3, "backoff_strategy": "fixed"}),
                  MESH: seen(retry_config={"backoff_strategy": "fixed", "max_retries": 3})}
    assert attribute_conflicts("a", "b", provenance) == []


def test_agreeing_sources_raise_confidence_as_independent_evidence() -> None:
    assert corroborated_confidence({MESH: seen(0.9)}) == 0.9
    assert corroborated_confidence({MESH: seen(0.9), K8S: seen(0.5)}) == 0.95


def test_an_edge_is_stale_only_once_the_window_has_passed() -> None:
    assert not is_stale(0, 7 * DAY_MS, 7 * DAY_MS)
    assert is_stale(0, 7 * DAY_MS + 1, 7 * DAY_MS)


def test_a_resolved_edge_is_as_fresh_as_its_most_recent_observation() -> None:
    provenance = {MANUAL: seen(1.0, at=0), K8S: seen(0.6, at=9 * DAY_MS)}
    edge = resolve_edge("a", "b", provenance, now_ms=10 * DAY_MS, staleness_window_ms=7 * DAY_MS)
    assert edge.last_observed_at_ms == 9 * DAY_MS
    assert not edge.is_stale
    assert edge.sources == ["manual", "kubernetes"]
    assert edge.confidence_ratio == 1.0


def test_one_source_resolves_exactly_as_the_general_rule_would() -> None:
    from slo_engine.domain.provenance import by_priority

    provenance = {OTEL: seen(0.9, at=5, protocol="grpc", criticality="soft", timeout_ms=None)}
    edge = resolve_edge("a", "b", provenance, now_ms=10, staleness_window_ms=100)
    assert edge.attributes == resolve_attributes(provenance) == {
        "communication_mode": "sync", "criticality": "soft", "protocol": "grpc"}
    assert edge.sources == [s.value for s in by_priority(provenance)] == ["otel_service_graph"]
    assert (edge.confidence_ratio, edge.last_observed_at_ms, edge.is_stale) == (0.9, 5, False)
