"""The ClusterCatalogue port on the Kubernetes API, through the official `kubernetes`
client.

It only lists (the chart's ClusterRole grants list and watch on exactly these): Namespaces,
Services, apps/v1 Deployments and, when enabled, ConfigMaps matching their selector;
cluster-wide, or per configured namespace. Every list is paged (`limit` and `continue`)
and bounded by a request timeout. The configuration is read afresh on each run (a
kubeconfig file, or the pod's service account, whose token the kubelet rotates).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import pydantic
import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from slo_engine.adapters.kubernetes_access import ClusterAccess
from slo_engine.domain.cluster_declarations import (
    ClusterDeployment,
    ClusterNamespace,
    ClusterService,
    ClusterState,
    DependencyConfigMap,
)
from slo_engine.domain.errors import DependencyUnavailable

COMPONENT = "Kubernetes API"
MAX_PAGES = 10_000  # a server handing out continue tokens forever must not loop us forever


class KubernetesCatalogue:
    """Knows how to read the cluster's declarations from its API server."""

    def __init__(self, access: ClusterAccess) -> None:
        self._access = access

    async def cluster_state(self) -> ClusterState:
        # The official client is synchronous (urllib3): its calls run in a worker thread.
        return await asyncio.to_thread(self._read)

    def _read(self) -> ClusterState:
        with client.ApiClient(self._configuration()) as api:
            core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
            return ClusterState(
                namespaces=[_namespace(n) for n in self._namespaces(core)],
                services=[_service(s) for s in self._listed(
                    "services", core.list_service_for_all_namespaces,
                    core.list_namespaced_service, self._access.label_selector)],
                deployments=[_deployment(d) for d in self._listed(
                    "deployments", apps.list_deployment_for_all_namespaces,
                    apps.list_namespaced_deployment, self._access.label_selector)],
                config_maps=self._config_maps(core))

    def _configuration(self) -> client.Configuration:
        configuration = client.Configuration()
        try:
            if self._access.kubeconfig is None:
                config.load_incluster_config(  # type: ignore[no-untyped-call]
                    client_configuration=configuration)
            else:
                config.load_kube_config(  # type: ignore[no-untyped-call]
                    str(self._access.kubeconfig), self._access.context,
                    client_configuration=configuration, persist_config=False)
        except (ConfigException, OSError) as error:
            where = (f"kubeconfig {self._access.kubeconfig}" if self._access.kubeconfig
                     else "the pod's service account (in-cluster)")
            raise DependencyUnavailable(COMPONENT, (
                f"no usable configuration from {where}: {error}; set "
                "SLO_ENGINE_KUBERNETES_KUBECONFIG or run in a pod with a service account"
            )) from error
        configuration.retries = 1  # a down server is reported, not waited on
        return configuration

    def _namespaces(self, core: client.CoreV1Api) -> list[Any]:
        every = self._pages("namespaces", core.list_namespace, {})
        wanted = set(self._access.namespaces)
        return [n for n in every if not wanted or n.metadata.name in wanted]

    def _config_maps(self, core: client.CoreV1Api) -> list[DependencyConfigMap]:
        selector = self._access.config_map_selector
        if selector is None:
            return []
        return [_config_map(c) for c in self._listed(
            "configmaps", core.list_config_map_for_all_namespaces,
            core.list_namespaced_config_map, selector)]

    def _listed(self, resource: str, everywhere: Callable[..., Any],
                in_namespace: Callable[..., Any], selector: str) -> list[Any]:
        """Cluster-wide, or namespace by namespace when namespaces are configured."""
        options = {"label_selector": selector} if selector else {}
        if not self._access.namespaces:
            return self._pages(resource, everywhere, options)
        return [item for namespace in self._access.namespaces
                for item in self._pages(resource, in_namespace,
                                        {**options, "namespace": namespace})]

    def _pages(self, resource: str, list_call: Callable[..., Any], options: dict[str, Any]
               ) -> list[Any]:
        items: list[Any] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            page = self._page(resource, list_call, {**options, "_continue": token})
            items.extend(page.items or [])
            token = page.metadata.var_continue if page.metadata else None
            if not token:
                return items
        raise DependencyUnavailable(COMPONENT, f"listing {resource} did not end after "
                                               f"{MAX_PAGES} pages")

    def _page(self, resource: str, list_call: Callable[..., Any], options: dict[str, Any]
              ) -> Any:
        try:
            return list_call(limit=self._access.page_size,
                             _request_timeout=self._access.timeout_seconds, **options)
        except ApiException as error:
            raise DependencyUnavailable(COMPONENT, f"listing {resource}: {_refusal(error)}"
                                        ) from error
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise DependencyUnavailable(COMPONENT, f"listing {resource}: no answer ({error})"
                                        ) from error
        except (pydantic.ValidationError, ValueError) as error:
            raise DependencyUnavailable(COMPONENT, (
                f"listing {resource}: an answer the client could not read ({error})")) from error


def _refusal(error: ApiException) -> str:
    """The status and the API server's own message (a Status object's `message`)."""
    message = error.reason or ""
    with contextlib.suppress(ValueError, KeyError, TypeError):
        message = json.loads(error.body or "")["message"]
    hint = {401: "; the credentials were refused", 403: (
        "; grant list on it to the engine's service account (the chart's "
        "rbac.discovery does)")}.get(error.status or 0, "")
    return f"{error.status} {message}{hint}"


def _mapping(value: dict[str, str] | None) -> dict[str, str]:
    return dict(value or {})


def _namespace(item: Any) -> ClusterNamespace:
    return ClusterNamespace(item.metadata.name, _mapping(item.metadata.labels))


def _service(item: Any) -> ClusterService:
    spec = item.spec
    return ClusterService(
        item.metadata.namespace, item.metadata.name, _mapping(item.metadata.labels),
        _mapping(item.metadata.annotations), _mapping(spec.selector if spec else None),
        (spec.type if spec else None) or "ClusterIP", spec.external_name if spec else None)


def _deployment(item: Any) -> ClusterDeployment:
    template = item.spec.template.metadata
    status = item.status
    return ClusterDeployment(
        item.metadata.namespace, item.metadata.name, _mapping(item.metadata.labels),
        _mapping(item.metadata.annotations), _mapping(template.labels if template else None),
        1 if item.spec.replicas is None else item.spec.replicas,
        (status.ready_replicas if status else None) or 0)


def _config_map(item: Any) -> DependencyConfigMap:
    return DependencyConfigMap(item.metadata.namespace, item.metadata.name,
                               _mapping(item.data))
