"""The ClusterCatalogue contract on the Kubernetes adapter (the official client against the
local Kubernetes API of tests/kubernetes_api.py, through a kubeconfig) and on its
in-memory fake (tests/fakes_cluster.py), over the same objects."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from slo_engine.adapters.kubernetes_access import ClusterAccess
from slo_engine.adapters.kubernetes_catalogue import KubernetesCatalogue
from slo_engine.application.telemetry_ports import ClusterCatalogue
from slo_engine.domain.cluster_declarations import ClusterState
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.runtime.processes import free_port
from tests.cluster_objects import CLUSTER
from tests.fakes_cluster import InMemoryClusterCatalogue
from tests.kubernetes_api import ClusterApi, serving, write_kubeconfig

Catalogue = Callable[..., ClusterCatalogue]
CONFIG_MAPS = "slo-engine.io/dependencies=true"


@pytest.fixture(scope="module")
def cluster_api() -> Iterator[ClusterApi]:
    with serving(CLUSTER) as api:
        yield api


@pytest.fixture(params=["kubernetes", "memory"])
def catalogue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalogue]:
    """Builds the port with the given access settings (and refusals)."""
    if request.param == "memory":
        yield lambda access=ClusterAccess(), forbidden=(): InMemoryClusterCatalogue(
            CLUSTER, access, forbidden=set(forbidden))
        return
    api: ClusterApi = request.getfixturevalue("cluster_api")
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", api.url)

    def build(access: ClusterAccess = ClusterAccess(), forbidden: tuple[str, ...] = ()
              ) -> ClusterCatalogue:
        api.forbidden = set(forbidden)
        return KubernetesCatalogue(replace(access, kubeconfig=kubeconfig))

    yield build
    api.forbidden = set()


def names(state: ClusterState) -> dict[str, list[str]]:
    return {"namespaces": [n.name for n in state.namespaces],
            "services": sorted(f"{s.namespace}/{s.name}" for s in state.services),
            "deployments": sorted(f"{d.namespace}/{d.name}" for d in state.deployments),
            "config_maps": sorted(f"{c.namespace}/{c.name}" for c in state.config_maps)}


async def test_it_reads_every_namespace_service_and_deployment_and_no_configmaps_unasked(
        catalogue: Catalogue) -> None:
    state = await catalogue(ClusterAccess(page_size=2)).cluster_state()
    assert names(state) == {
        "namespaces": ["shop", "payments", "sandbox"],
        "services": ["payments/payment-api", "payments/stripe", "sandbox/toy", "shop/cart",
                     "shop/front", "shop/search"],
        "deployments": ["payments/pay", "sandbox/toy", "shop/cart", "shop/front",
                        "shop/mailer", "shop/search"],
        "config_maps": []}


async def test_services_keep_their_labels_annotations_selector_and_type(
        catalogue: Catalogue) -> None:
    services = {s.name: s for s in (await catalogue().cluster_state()).services}
    assert services["front"].selector == {"app": "front"}
    assert services["front"].labels == {"tier": "prod", "slo-engine.io/team": "web"}
    assert services["front"].annotations == {
        "slo-engine.io/depends-on": "cart:hard:sync, search:soft"}
    assert (services["stripe"].service_type, services["stripe"].external_name,
            services["stripe"].selector) == ("ExternalName", "api.stripe.com", {})
    assert services["cart"].service_type == "ClusterIP"


async def test_deployments_carry_pod_labels_and_replicas_one_when_unset(
        catalogue: Catalogue) -> None:
    deployments = {d.name: d for d in (await catalogue().cluster_state()).deployments}
    assert {n: (d.replicas, d.ready_replicas) for n, d in deployments.items()} == {
        "front": (3, 3), "cart": (2, 1), "search": (1, 1), "mailer": (1, 1), "pay": (4, 4),
        "toy": (1, 0)}
    assert deployments["pay"].pod_labels == {"app": "pay", "version": "v2"}
    assert deployments["cart"].annotations == {"slo-engine.io/depends-on": "mailer:async:soft"}


async def test_only_configmaps_matching_their_selector_are_read(catalogue: Catalogue) -> None:
    state = await catalogue(ClusterAccess(config_map_selector=CONFIG_MAPS)).cluster_state()
    assert [(c.namespace, c.name, dict(c.data)) for c in state.config_maps] == [
        ("payments", "slo-dependencies",
         {"payment-api": "stripe:hard:sync, ledger:soft:async"})]


async def test_the_label_selector_applies_to_services_and_deployments(
        catalogue: Catalogue) -> None:
    state = await catalogue(ClusterAccess(label_selector="tier=prod")).cluster_state()
    found = names(state)
    assert "sandbox/toy" not in found["services"] + found["deployments"]
    assert (len(found["services"]), len(found["deployments"])) == (5, 5)
    assert found["namespaces"] == ["shop", "payments", "sandbox"]


async def test_configured_namespaces_limit_every_list(catalogue: Catalogue) -> None:
    state = await catalogue(ClusterAccess(namespaces=("payments",),
                                          config_map_selector=CONFIG_MAPS)).cluster_state()
    assert names(state) == {
        "namespaces": ["payments"], "services": ["payments/payment-api", "payments/stripe"],
        "deployments": ["payments/pay"], "config_maps": ["payments/slo-dependencies"]}


async def test_a_refused_list_is_unavailable_naming_the_resource(catalogue: Catalogue) -> None:
    with pytest.raises(DependencyUnavailable, match="listing services: 403 services is "
                                                    "forbidden") as refused:
        await catalogue(forbidden=("services",)).cluster_state()
    assert refused.value.component == "Kubernetes API"


async def test_an_api_server_that_does_not_answer_is_unavailable(tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{free_port()}")
    for port in (KubernetesCatalogue(ClusterAccess(kubeconfig, timeout_seconds=2)),
                 InMemoryClusterCatalogue(CLUSTER, unavailable=True)):
        with pytest.raises(DependencyUnavailable, match="listing namespaces: no answer"):
            await port.cluster_state()


async def test_the_adapter_pages_every_list_with_limit_and_continue(
        cluster_api: ClusterApi, tmp_path: Path) -> None:
    cluster_api.requests.clear()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", cluster_api.url)
    await KubernetesCatalogue(ClusterAccess(kubeconfig, page_size=4)).cluster_state()
    pages = [(path, query.get("limit"), "continue" in query)
             for path, query in cluster_api.requests]
    assert pages == [("/api/v1/namespaces", "4", False),
                     ("/api/v1/services", "4", False), ("/api/v1/services", "4", True),
                     ("/apis/apps/v1/deployments", "4", False),
                     ("/apis/apps/v1/deployments", "4", True)]


async def test_refused_credentials_are_unavailable_with_the_servers_status(
        cluster_api: ClusterApi, tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", cluster_api.url, token="stolen")
    with pytest.raises(DependencyUnavailable, match="listing namespaces: 401 Unauthorized; "
                                                    "the credentials were refused"):
        await KubernetesCatalogue(ClusterAccess(kubeconfig)).cluster_state()


async def test_no_configuration_is_unavailable_saying_what_to_set() -> None:
    with pytest.raises(DependencyUnavailable, match="no usable configuration from the pod's "
                                                    "service account"):
        await KubernetesCatalogue(ClusterAccess()).cluster_state()
