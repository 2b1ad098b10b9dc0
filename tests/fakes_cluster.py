"""An in-memory fake of the ClusterCatalogue port over the very objects the local
Kubernetes API serves (tests/kubernetes_api.py): the same namespace and label-selector
filtering, the same defaults (replicas 1 when unset), the same refusals. It passes the
contract suite the adapter passes (tests/contract/test_cluster_catalogue.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from slo_engine.adapters.kubernetes_access import ClusterAccess
from slo_engine.adapters.kubernetes_catalogue import COMPONENT
from slo_engine.domain.cluster_declarations import (
    ClusterDeployment,
    ClusterNamespace,
    ClusterService,
    ClusterState,
    DependencyConfigMap,
)
from slo_engine.domain.errors import DependencyUnavailable
from tests.cluster_objects import Object, selector_matches


@dataclass
class InMemoryClusterCatalogue:
    objects: dict[str, list[Object]]
    access: ClusterAccess = field(default_factory=ClusterAccess)
    unavailable: bool = False
    forbidden: set[str] = field(default_factory=set)

    async def cluster_state(self) -> ClusterState:
        if self.unavailable:
            raise DependencyUnavailable(COMPONENT, "listing namespaces: no answer "
                                                   "(connection refused)")
        selector = self.access.label_selector
        maps = ([] if self.access.config_map_selector is None
                else self._listed("configmaps", self.access.config_map_selector))
        return ClusterState(
            [ClusterNamespace(o["metadata"]["name"], dict(o["metadata"].get("labels", {})))
             for o in self._listed("namespaces", "")
             if not self.access.namespaces or o["metadata"]["name"] in self.access.namespaces],
            [_service(o) for o in self._listed("services", selector)],
            [_deployment(o) for o in self._listed("deployments", selector)],
            [DependencyConfigMap(o["metadata"]["namespace"], o["metadata"]["name"],
                                 dict(o.get("data", {}))) for o in maps])

    def _listed(self, resource: str, selector: str) -> list[Object]:
        if resource in self.forbidden:
            raise DependencyUnavailable(COMPONENT, f"listing {resource}: 403 {resource} is "
                                                   "forbidden")
        wanted = set(self.access.namespaces)
        return [o for o in self.objects.get(resource, [])
                if (resource == "namespaces" or not wanted
                    or o["metadata"]["namespace"] in wanted)
                and selector_matches(selector, o["metadata"].get("labels", {}))]


def _service(item: Object) -> ClusterService:
    meta, spec = item["metadata"], item["spec"]
    return ClusterService(meta["namespace"], meta["name"], dict(meta.get("labels", {})),
                          dict(meta.get("annotations", {})), dict(spec.get("selector", {})),
                          spec.get("type", "ClusterIP"), spec.get("externalName"))


def _deployment(item: Object) -> ClusterDeployment:
    meta, spec = item["metadata"], item["spec"]
    return ClusterDeployment(
        meta["namespace"], meta["name"], dict(meta.get("labels", {})),
        dict(meta.get("annotations", {})), dict(spec["template"]["metadata"].get("labels", {})),
        spec.get("replicas", 1), item.get("status", {}).get("readyReplicas", 0))
