"""Kubernetes objects as the API server returns them (shapes from the Kubernetes API
reference: ObjectMeta, ServiceSpec, DeploymentSpec/Status, ConfigMap), label selectors as
the API server applies them, and the sample cluster the contract suite and the discovery
tests read."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

Object = dict[str, Any]
_versions = itertools.count(1000)


def _metadata(name: str, namespace: str | None, labels: dict[str, str] | None,
              annotations: dict[str, str] | None) -> Object:
    meta: Object = {"name": name, "uid": str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{namespace}/{name}")),
                    "resourceVersion": str(next(_versions)),
                    "creationTimestamp": "2024-05-01T09:00:00Z"}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    return meta


def namespace(name: str, labels: dict[str, str] | None = None) -> Object:
    return {"metadata": _metadata(name, None, {"kubernetes.io/metadata.name": name,
                                               **(labels or {})}, None),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def service(ns: str, name: str, selector: dict[str, str] | None = None,
            labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
            external_name: str | None = None) -> Object:
    if external_name is not None:
        spec: Object = {"type": "ExternalName", "externalName": external_name,
                        "sessionAffinity": "None"}
    else:
        spec = {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                "ports": [{"name": "http", "protocol": "TCP", "port": 80,
                           "targetPort": 8080}],
                "sessionAffinity": "None", "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster"}
        if selector:
            spec["selector"] = selector
    return {"metadata": _metadata(name, ns, labels, annotations), "spec": spec,
            "status": {"loadBalancer": {}}}


def deployment(ns: str, name: str, pod_labels: dict[str, str], replicas: int | None = 1,
               ready: int | None = None, labels: dict[str, str] | None = None,
               annotations: dict[str, str] | None = None) -> Object:
    spec: Object = {
        "selector": {"matchLabels": pod_labels},
        "template": {"metadata": {"labels": pod_labels}, "spec": {"containers": [
            {"name": name, "image": f"registry.example/{name}:1.0",
             "ports": [{"containerPort": 8080, "protocol": "TCP"}]}]}},
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}
    if replicas is not None:
        spec["replicas"] = replicas
    status: Object = {"observedGeneration": 1, "replicas": replicas or 0,
                      "updatedReplicas": replicas or 0}
    if ready:
        status |= {"readyReplicas": ready, "availableReplicas": ready}
    return {"metadata": {**_metadata(name, ns, labels, annotations), "generation": 1},
            "spec": spec, "status": status}


def config_map(ns: str, name: str, data: dict[str, str],
               labels: dict[str, str] | None = None) -> Object:
    return {"metadata": _metadata(name, ns, labels, None), "data": data}


# The sample cluster: a shop namespace with three services, a worker Deployment without a
# Service, an ExternalName service, a team namespace declaring through a ConfigMap, and an
# unlabelled namespace the label selector leaves out.
DEPENDS_ON = "slo-engine.io/depends-on"
TEAM = "slo-engine.io/team"
DECLARES = {"slo-engine.io/dependencies": "true"}
TIER = {"tier": "prod"}
CLUSTER: dict[str, list[Object]] = {
    "namespaces": [namespace("shop", {TEAM: "shop"}), namespace("payments", {TEAM: "pay"}),
                   namespace("sandbox")],
    "services": [
        service("shop", "front", {"app": "front"}, {**TIER, TEAM: "web"},
                {DEPENDS_ON: "cart:hard:sync, search:soft"}),
        service("shop", "cart", {"app": "cart"}, {**TIER, "slo-engine.io/criticality": "high",
                                                  "slo-engine.io/tier": "1"},
                {DEPENDS_ON: '[{"target": "payment-api", "criticality": "hard", '
                             '"protocol": "grpc", "timeout_ms": 800}]'}),
        service("shop", "search", {"app": "search"}, TIER),
        service("payments", "payment-api", {"app": "pay"}, TIER,
                {"slo-engine.io/service-id": "payment-api"}),
        service("payments", "stripe", None, TIER, external_name="api.stripe.com"),
        service("sandbox", "toy", {"app": "toy"}, None, {DEPENDS_ON: "front"}),
    ],
    "deployments": [
        deployment("shop", "front", {"app": "front"}, 3, 3, TIER),
        deployment("shop", "cart", {"app": "cart"}, 2, 1, TIER,
                   {DEPENDS_ON: "mailer:async:soft"}),
        deployment("shop", "search", {"app": "search"}, None, 1, TIER),
        deployment("shop", "mailer", {"app": "mailer"}, 1, 1, TIER),
        deployment("payments", "pay", {"app": "pay", "version": "v2"}, 4, 4, TIER),
        deployment("sandbox", "toy", {"app": "toy"}, 1, 0),
    ],
    "configmaps": [
        config_map("payments", "slo-dependencies",
                   {"payment-api": "stripe:hard:sync, ledger:soft:async"}, DECLARES),
        config_map("payments", "kube-root-ca.crt", {"ca.crt": "-----BEGIN CERTIFICATE-----"}),
    ],
}


def _selector_terms(selector: str) -> list[str]:
    """Split on the commas outside parentheses: `a=b,c in (x,y)` -> two terms."""
    return [t.strip() for t in re.split(r",(?![^()]*\))", selector) if t.strip()]


def _term_matches(term: str, labels: dict[str, str]) -> bool:
    if found := re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", term):
        key, operator, values = found.groups()
        inside = labels.get(key) in {v.strip() for v in values.split(",")}
        return inside if operator == "in" else not inside
    if found := re.fullmatch(r"([\w./-]+)\s*(!=|==|=)\s*([\w./-]*)", term):
        key, operator, value = found.groups()
        return (labels.get(key) != value) if operator == "!=" else labels.get(key) == value
    if term.startswith("!"):
        return term[1:] not in labels
    return term in labels


def selector_matches(selector: str, labels: dict[str, str]) -> bool:
    """The API server's label selector semantics (equality- and set-based)."""
    return all(_term_matches(t, labels) for t in _selector_terms(selector))
