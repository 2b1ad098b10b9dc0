"""The graph a cluster declares (domain/cluster_declarations.py) and the depends-on
convention (domain/dependency_declarations.py)."""

from __future__ import annotations

from typing import Any

from slo_engine.adapters.kubernetes_access import ClusterAccess
from slo_engine.domain.cluster_declarations import (
    ClusterDeployment,
    ClusterService,
    ClusterState,
    DeclarationConventions,
    cluster_submission,
    selects,
)
from slo_engine.domain.dependency_declarations import DeclaredDependency, parse_declarations
from tests.cluster_objects import CLUSTER
from tests.fakes_cluster import InMemoryClusterCatalogue

NOW_MS = 1_700_000_000_000


async def sample_state(**access: Any) -> ClusterState:
    return await InMemoryClusterCatalogue(CLUSTER, ClusterAccess(**access)).cluster_state()


def test_the_compact_form_reads_criticality_and_mode_in_either_order() -> None:
    parsed = parse_declarations("payment-api:hard:sync, ledger:async:soft,\nfraud")
    assert parsed.dependencies == [
        DeclaredDependency("payment-api", {"criticality": "hard", "communication_mode": "sync"}),
        DeclaredDependency("ledger", {"communication_mode": "async", "criticality": "soft"}),
        DeclaredDependency("fraud", {})]
    assert parsed.problems == []


def test_bad_compact_entries_are_reported_and_the_good_ones_kept() -> None:
    parsed = parse_declarations("ok:soft, bad:fast, twice:sync:async, :hard")
    assert parsed.dependencies == [DeclaredDependency("ok", {"criticality": "soft"})]
    assert parsed.problems == [
        "'bad:fast': 'fast' is neither a criticality (degraded, hard, soft) nor a mode "
        "(async, sync)",
        "'twice:sync:async': gives the communication_mode twice",
        "':hard': the target must be a service id (letters, digits, '.', '_', '-', '/')"]


def test_the_json_form_carries_protocol_timeout_and_redundancy_group() -> None:
    parsed = parse_declarations('[{"target": "pay", "protocol": "grpc", "timeout_ms": 800, '
                                '"redundancy_group": "p"}, {"target": "x", "timeout_ms": 0},'
                                ' {"target": "y", "colour": "red"}, "z"]')
    assert parsed.dependencies == [DeclaredDependency(
        "pay", {"protocol": "grpc", "timeout_ms": 800, "redundancy_group": "p"})]
    assert parsed.problems == [
        "entry 1: timeout_ms 0 must be whole milliseconds from 1 to 3600000",
        "entry 2: unknown key(s) ['colour']; known: ['target', 'criticality', "
        "'communication_mode', 'protocol', 'timeout_ms', 'redundancy_group']",
        "entry 3: each entry is an object with a target"]


def test_json_that_does_not_parse_says_where() -> None:
    assert parse_declarations('[{"target": }]').problems == [
        "not valid JSON (Expecting value at character 12)"]


def test_a_service_selects_the_pods_carrying_its_whole_selector_and_an_empty_one_none(
        ) -> None:
    assert selects({"app": "pay"}, {"app": "pay", "version": "v2"})
    assert not selects({"app": "pay", "version": "v1"}, {"app": "pay", "version": "v2"})
    assert not selects({}, {"app": "pay"})


async def test_the_sample_cluster_declares_its_services_with_team_replicas_and_kind() -> None:
    declared = cluster_submission(await sample_state(), DeclarationConventions(), NOW_MS)
    services = {s.service_id: (s.team, s.service_type.value, s.criticality, s.tier,
                               s.metadata["replicas"], s.metadata["ready_replicas"])
                for s in declared.submission.services}
    assert services == {
        "payment-api": ("pay", "internal", None, None, 4, 4),
        "api.stripe.com": ("pay", "external", None, None, 0, 0),
        "toy": (None, "internal", None, None, 1, 0),
        "cart": ("shop", "internal", "high", 1, 2, 1),
        "front": ("web", "internal", None, None, 3, 3),
        "search": ("shop", "internal", None, None, 1, 1),
        "mailer": ("shop", "internal", None, None, 1, 1)}
    cart = next(s for s in declared.submission.services if s.service_id == "cart")
    assert cart.metadata == {"namespace": "shop", "replicas": 2, "ready_replicas": 1,
                             "deployments": ["cart"], "kubernetes_service": "cart"}
    assert declared.submission.source.value == "kubernetes"
    assert declared.problems == []


async def test_annotations_of_services_and_their_deployments_declare_the_edges() -> None:
    declared = cluster_submission(await sample_state(), DeclarationConventions(), NOW_MS)
    assert [(e.source, e.target, e.attributes, e.metadata["declared_in"])
            for e in declared.submission.edges] == [
        ("cart", "mailer", {"communication_mode": "async", "criticality": "soft"},
         "Service shop/cart"),
        ("cart", "payment-api", {"criticality": "hard", "protocol": "grpc", "timeout_ms": 800},
         "Service shop/cart"),
        ("front", "cart", {"criticality": "hard", "communication_mode": "sync"},
         "Service shop/front"),
        ("front", "search", {"criticality": "soft"}, "Service shop/front"),
        ("toy", "front", {}, "Service sandbox/toy")]


async def test_a_labelled_configmap_declares_for_the_service_its_keys_name() -> None:
    state = await sample_state(config_map_selector="slo-engine.io/dependencies=true")
    edges = cluster_submission(state, DeclarationConventions(), NOW_MS).submission.edges
    assert [(e.source, e.target, e.attributes) for e in edges
            if e.source == "payment-api"] == [
        ("payment-api", "api.stripe.com", {"criticality": "hard", "communication_mode": "sync"}),
        ("payment-api", "ledger", {"criticality": "soft", "communication_mode": "async"})]


def test_a_services_own_declaration_wins_over_its_deployments_for_the_same_target() -> None:
    state = ClusterState(
        services=[ClusterService("a", "web", selector={"app": "web"},
                                 annotations={"slo-engine.io/depends-on": "db:soft"})],
        deployments=[ClusterDeployment("a", "web", pod_labels={"app": "web"}, annotations={
            "slo-engine.io/depends-on": "db:hard, cache"})])
    edges = cluster_submission(state, DeclarationConventions(), NOW_MS).submission.edges
    assert [(e.target, e.attributes) for e in edges] == [
        ("cache", {}), ("db", {"criticality": "soft"})]


def test_what_a_cluster_gets_wrong_is_reported_and_the_rest_declared() -> None:
    state = ClusterState(services=[
        ClusterService("a", "web", labels={"slo-engine.io/tier": "gold",
                                           "slo-engine.io/criticality": "vital"},
                       annotations={"slo-engine.io/depends-on": "web, api:maybe, db"}),
        ClusterService("b", "web")])
    declared = cluster_submission(state, DeclarationConventions(), NOW_MS)
    assert [(e.source, e.target) for e in declared.submission.edges] == [("web", "db")]
    assert [s.service_id for s in declared.submission.services] == ["web"]
    assert [p.as_dict() for p in declared.problems] == [
        {"object": "Service b/web", "message": "service id 'web' is already Service a/web's;"
                                               " skipped: give one of them another id with "
                                               "the service-id annotation"},
        {"object": "Service a/web", "message": "criticality 'vital' ignored: use one of "
                                               "critical, high, medium, low"},
        {"object": "Service a/web", "message": "tier 'gold' ignored: use a whole number "
                                               "from 0 to 10"},
        {"object": "Service a/web", "message": "'api:maybe': 'maybe' is neither a "
                                               "criticality (degraded, hard, soft) nor a mode "
                                               "(async, sync)"},
        {"object": "Service a/web", "message": "'web' declares itself; skipped"}]


def test_the_conventions_names_are_settings() -> None:
    conventions = DeclarationConventions(depends_on_annotation="example.com/calls",
                                         team_label="owner")
    state = ClusterState(services=[ClusterService(
        "a", "web", labels={"owner": "core"}, annotations={"example.com/calls": "db"})])
    declared = cluster_submission(state, conventions, NOW_MS).submission
    assert [(s.service_id, s.team) for s in declared.services] == [("web", "core")]
    assert [(e.source, e.target) for e in declared.edges] == [("web", "db")]
