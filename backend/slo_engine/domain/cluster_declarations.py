"""TRD 6.4: the dependency graph a Kubernetes cluster declares, as one submission of
source `kubernetes`.

Services: every Service, and every Deployment no Service selects (a worker without a
Service still calls others). A Service's id is its `slo-engine.io/service-id` annotation,
else the host an ExternalName Service stands for (the peer tracing sees), else its name;
its Deployments are those whose pod template labels its selector matches (Kubernetes' own
rule), and their desired and ready replicas are summed. Team, criticality
and tier come from labels of the Service (team falls back to its Deployments', then its
Namespace's). A Service of type ExternalName is an external service.

Dependencies: the depends-on annotation of a Service and of its Deployments (the Service's
entry wins for a target both name), and the keys of ConfigMaps labelled for it (key: the
calling service id; value: a declaration, domain/dependency_declarations.py). A target
naming a Service in the caller's namespace means that Service's id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slo_engine.domain.dependency_declarations import DeclaredDependency, parse_declarations
from slo_engine.domain.ingestion import GraphSubmission
from slo_engine.domain.model import (
    DiscoverySource,
    EdgeReport,
    ServiceCriticality,
    ServiceRecord,
    ServiceType,
)

Labels = Mapping[str, str]
MAX_TIER = 10


@dataclass(frozen=True)
class ClusterNamespace:
    name: str
    labels: Labels = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterService:
    namespace: str
    name: str
    labels: Labels = field(default_factory=dict)
    annotations: Labels = field(default_factory=dict)
    selector: Labels = field(default_factory=dict)
    service_type: str = "ClusterIP"
    external_name: str | None = None


@dataclass(frozen=True)
class ClusterDeployment:
    namespace: str
    name: str
    labels: Labels = field(default_factory=dict)
    annotations: Labels = field(default_factory=dict)
    pod_labels: Labels = field(default_factory=dict)
    replicas: int = 1  # Kubernetes' default when spec.replicas is unset
    ready_replicas: int = 0


@dataclass(frozen=True)
class DependencyConfigMap:
    namespace: str
    name: str
    data: Labels = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterState:
    """What one read of the cluster returned (already filtered by namespace and selector)."""

    namespaces: list[ClusterNamespace] = field(default_factory=list)
    services: list[ClusterService] = field(default_factory=list)
    deployments: list[ClusterDeployment] = field(default_factory=list)
    config_maps: list[DependencyConfigMap] = field(default_factory=list)


@dataclass(frozen=True)
class DeclarationConventions:
    """Which annotations and labels say what (settings kubernetes_*)."""

    depends_on_annotation: str = "slo-engine.io/depends-on"
    service_id_annotation: str = "slo-engine.io/service-id"
    team_label: str = "slo-engine.io/team"
    criticality_label: str = "slo-engine.io/criticality"
    tier_label: str = "slo-engine.io/tier"


@dataclass(frozen=True)
class ClusterProblem:
    """Something a declaration got wrong; the rest of the cluster is still ingested."""

    object: str  # e.g. "Service shop/cart"
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"object": self.object, "message": self.message}


@dataclass(frozen=True)
class _Workload:
    """One service as the cluster declares it: a Service and the Deployments it selects,
    or a Deployment alone."""

    service_id: str
    namespace: str
    label: str  # for problems: "Service shop/cart"
    service: ClusterService | None
    deployments: list[ClusterDeployment]


@dataclass
class ClusterDeclarations:
    submission: GraphSubmission
    problems: list[ClusterProblem]


def cluster_submission(state: ClusterState, conventions: DeclarationConventions,
                       now_ms: int) -> ClusterDeclarations:
    """The cluster's services and declared edges as one submission, and what was skipped."""
    problems: list[ClusterProblem] = []
    workloads = _unique(_workloads(state, conventions), problems)
    teams = {n.name: n.labels.get(conventions.team_label) for n in state.namespaces}
    names = {(w.namespace, w.service.name): w.service_id for w in workloads if w.service}
    records = [_record(w, teams.get(w.namespace), conventions, problems) for w in workloads]
    edges = _edges(workloads, state.config_maps, names, conventions, problems)
    return ClusterDeclarations(
        GraphSubmission(DiscoverySource.KUBERNETES, now_ms, records, edges), problems)


def selects(selector: Labels, pod_labels: Labels) -> bool:
    """A Service selects the pods carrying all its selector's labels; an empty selector
    selects none (its endpoints are managed elsewhere)."""
    return bool(selector) and all(pod_labels.get(k) == v for k, v in selector.items())


def _workloads(state: ClusterState, conventions: DeclarationConventions) -> list[_Workload]:
    found: list[_Workload] = []
    claimed: set[tuple[str, str]] = set()
    for service in sorted(state.services, key=lambda s: (s.namespace, s.name)):
        mine = [d for d in state.deployments if d.namespace == service.namespace
                and selects(service.selector, d.pod_labels)]
        claimed.update((d.namespace, d.name) for d in mine)
        named = service.external_name or service.name
        found.append(_Workload(_service_id(named, service.annotations, conventions),
                               service.namespace, f"Service {service.namespace}/{service.name}",
                               service, sorted(mine, key=lambda d: d.name)))
    for deployment in sorted(state.deployments, key=lambda d: (d.namespace, d.name)):
        if (deployment.namespace, deployment.name) not in claimed:
            found.append(_Workload(
                _service_id(deployment.name, deployment.annotations, conventions),
                deployment.namespace, f"Deployment {deployment.namespace}/{deployment.name}",
                None, [deployment]))
    return found


def _service_id(name: str, annotations: Labels, conventions: DeclarationConventions) -> str:
    return annotations.get(conventions.service_id_annotation, "").strip() or name


def _unique(workloads: list[_Workload], problems: list[ClusterProblem]) -> list[_Workload]:
    """The first object (by namespace, then name) to claim a service id keeps it."""
    kept: dict[str, _Workload] = {}
    for workload in workloads:
        first = kept.get(workload.service_id)
        if first is None:
            kept[workload.service_id] = workload
            continue
        problems.append(ClusterProblem(workload.label, (
            f"service id '{workload.service_id}' is already {first.label}'s; skipped: give "
            "one of them another id with the service-id annotation")))
    return list(kept.values())


def _record(workload: _Workload, namespace_team: str | None,
            conventions: DeclarationConventions, problems: list[ClusterProblem]
            ) -> ServiceRecord:
    labels = workload.service.labels if workload.service else workload.deployments[0].labels
    team = labels.get(conventions.team_label) or next(
        (d.labels[conventions.team_label] for d in workload.deployments
         if d.labels.get(conventions.team_label)), None) or namespace_team
    external = workload.service is not None and workload.service.service_type == "ExternalName"
    return ServiceRecord(
        workload.service_id, team=team,
        criticality=_criticality(labels.get(conventions.criticality_label), workload, problems),
        tier=_tier(labels.get(conventions.tier_label), workload, problems),
        service_type=ServiceType.EXTERNAL if external else ServiceType.INTERNAL,
        metadata=_metadata(workload))


def _criticality(value: str | None, workload: _Workload, problems: list[ClusterProblem]
                 ) -> ServiceCriticality | None:
    if value is None:
        return None
    try:
        return ServiceCriticality(value)
    except ValueError:
        problems.append(ClusterProblem(workload.label, (
            f"criticality '{value}' ignored: use one of "
            f"{', '.join(c.value for c in ServiceCriticality)}")))
        return None


def _tier(value: str | None, workload: _Workload, problems: list[ClusterProblem]
          ) -> int | None:
    if value is None:
        return None
    if value.isdigit() and int(value) <= MAX_TIER:
        return int(value)
    problems.append(ClusterProblem(workload.label, (
        f"tier '{value}' ignored: use a whole number from 0 to {MAX_TIER}")))
    return None


def _metadata(workload: _Workload) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "namespace": workload.namespace,
        "replicas": sum(d.replicas for d in workload.deployments),
        "ready_replicas": sum(d.ready_replicas for d in workload.deployments),
        "deployments": [d.name for d in workload.deployments]}
    if workload.service is not None:
        metadata["kubernetes_service"] = workload.service.name
        if workload.service.external_name:
            metadata["external_name"] = workload.service.external_name
    return metadata


def _edges(workloads: list[_Workload], config_maps: Iterable[DependencyConfigMap],
           names: Mapping[tuple[str, str], str], conventions: DeclarationConventions,
           problems: list[ClusterProblem]) -> list[EdgeReport]:
    declared: dict[tuple[str, str], EdgeReport] = {}
    for caller, namespace, label, values in _declaration_sources(workloads, config_maps,
                                                                 conventions):
        source = names.get((namespace, caller), caller)
        for value in values:
            parsed = parse_declarations(value)
            problems.extend(ClusterProblem(label, p) for p in parsed.problems)
            for dependency in parsed.dependencies:
                _declare(declared, source, _target(dependency, namespace, names),
                         dependency, label, problems)
    return [declared[pair] for pair in sorted(declared)]


def _declaration_sources(workloads: list[_Workload], config_maps: Iterable[DependencyConfigMap],
                         conventions: DeclarationConventions
                         ) -> Iterable[tuple[str, str, str, list[str]]]:
    """(caller, namespace, where it was said, declaration values), the Service's own
    annotation before its Deployments', annotations before ConfigMaps. A ConfigMap's key
    names the caller by service id or by its Service's name in the ConfigMap's namespace."""
    key = conventions.depends_on_annotation
    for w in workloads:
        annotated = ([w.service.annotations] if w.service else []) + [
            d.annotations for d in w.deployments]
        yield w.service_id, w.namespace, w.label, [a[key] for a in annotated if key in a]
    for config_map in sorted(config_maps, key=lambda c: (c.namespace, c.name)):
        for caller, value in sorted(config_map.data.items()):
            yield (caller, config_map.namespace,
                   f"ConfigMap {config_map.namespace}/{config_map.name} key {caller}", [value])


def _target(dependency: DeclaredDependency, namespace: str,
            names: Mapping[tuple[str, str], str]) -> str:
    return names.get((namespace, dependency.target), dependency.target)


def _declare(declared: dict[tuple[str, str], EdgeReport], source: str, target: str,
             dependency: DeclaredDependency, label: str, problems: list[ClusterProblem]
             ) -> None:
    if source == target:
        problems.append(ClusterProblem(label, f"'{source}' declares itself; skipped"))
        return
    if (source, target) in declared:
        return  # a more specific declaration (the Service's own) came first
    declared[(source, target)] = EdgeReport(source, target, dict(dependency.attributes),
                                            metadata={"declared_in": label})
