"""The chart rendered by Helm's own SDK (helm-python-sdk wraps Helm v4's Go library), and
its objects validated against Kubernetes' and the custom resources' JSON schemas.

Value sets are named, so a failing test says which set broke it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import helm_python
import jsonschema
import referencing
import yaml
from kubernetes_validate.utils import schema_contents

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "slo-engine"
CRD_SCHEMAS = ROOT / "tests" / "helm_schemas"
RELEASE, NAMESPACE = "prod", "slo"
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# The version the chart is validated against (the TRD's 1.28+ and the chart's kubeVersion
# floor, the 1.30, and the newest kubernetes-validate ships).
KUBERNETES_VERSIONS = ("1.28", "1.30", "1.37")
# Custom resources: kind and apiVersion -> the schema written from its CRD (README there).
CRD_SCHEMA_FILES = {
    ("ServiceMonitor", "monitoring.coreos.com/v1"): "servicemonitor-monitoring-v1.json",
    ("PrometheusRule", "monitoring.coreos.com/v1"): "prometheusrule-monitoring-v1.json",
    ("ScaledObject", "keda.sh/v1alpha1"): "scaledobject-keda-v1alpha1.json",
    ("TriggerAuthentication", "keda.sh/v1alpha1"): "triggerauthentication-keda-v1alpha1.json",
}

NEO4J = {"graph": {"backend": "neo4j", "neo4j": {"existingSecret": "slo-engine-neo4j"}}}
EXISTING_SECRETS = {
    "graph": {"backend": "neo4j", "neo4j": {"existingSecret": "slo-engine-neo4j",
                                            "database": "topology"}},
    "redis": {"existingSecret": "slo-engine-redis"},
    "oidc": {"enabled": True, "existingSecret": "slo-engine-oidc",
             "networkPeers": [{"ipBlock": {"cidr": "203.0.113.10/32"}}]},
    "notifications": {"enabled": True, "existingSecret": "slo-engine-webhooks",
                      "teamUrlsKey": "team-webhook-urls",
                      "networkPeers": [{"ipBlock": {"cidr": "198.51.100.0/24"}}]},
    "apiKeyBootstrap": {"enabled": True, "existingSecret": "slo-engine-bootstrap-key"},
    "worker": {"autoscaling": {"keda": {"redisAddress": "redis-master:6379"}}},
}
KEDA = {"worker": {"autoscaling": {"keda": {"enabled": True}}}}
INGRESS = {"ingress": {"enabled": True, "className": "nginx",
                       "annotations": {"cert-manager.io/cluster-issuer": "internal"}}}
DISCOVERY_RBAC = {"rbac": {"discovery": {
    "enabled": True, "configMaps": True,
    "apiServerPeers": [{"ipBlock": {"cidr": "10.96.0.1/32"}}]}}}
MONITORING = {"metrics": {"serviceMonitor": {"enabled": True,
                                             "labels": {"release": "kube-prometheus-stack"}},
                          "prometheusRule": {"enabled": True},
                          "dashboard": {"enabled": True, "folder": "SLO engine"}},
              "api": {"autoscaling": {"latency": {"enabled": True}}}}
FIXED_REPLICAS = {"api": {"autoscaling": {"enabled": False}},
                  "worker": {"autoscaling": {"enabled": False}}}


def merged(*parts: Mapping[str, Any]) -> dict[str, Any]:
    """Values sets deep-merged left to right, as several -f files are."""
    out: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, Mapping) and isinstance(out.get(key), dict):
                out[key] = merged(out[key], value)
            else:
                out[key] = value
    return out


KEDA_WITH_SECRETS = merged(EXISTING_SECRETS, KEDA, {"worker": {"autoscaling": {"keda": {
    "redisPasswordSecret": "slo-engine-redis", "redisDatabaseIndex": 2}}}})
VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "neo4j": NEO4J,
    "keda": KEDA,
    "keda-with-secrets": KEDA_WITH_SECRETS,
    "ingress": INGRESS,
    "discovery-rbac": DISCOVERY_RBAC,
    "existing-secrets": EXISTING_SECRETS,
    "monitoring": MONITORING,
    "fixed-replicas": FIXED_REPLICAS,
    "everything": merged(KEDA_WITH_SECRETS, INGRESS, DISCOVERY_RBAC, MONITORING),
}


@functools.cache
def chart() -> helm_python.Chart:
    return helm_python.Chart.load(CHART)


@functools.cache
def _rendered(values_json: str) -> dict[str, str]:
    return chart().render(json.loads(values_json), name=RELEASE, namespace=NAMESPACE)


def render(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every object the chart renders with these values, in template order (each set is
    rendered once per session; the objects are parsed afresh for every caller)."""
    manifests = _rendered(json.dumps(values, sort_keys=True))
    return [document for path, text in sorted(manifests.items()) if path.endswith(".yaml")
            for document in yaml.load_all(text, Loader=LOADER) if document]


def notes(values: Mapping[str, Any]) -> str:
    return _rendered(json.dumps(values, sort_keys=True))["slo-engine/templates/NOTES.txt"]


def objects_of(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return objects_of(objects, kind)[f"{RELEASE}-slo-engine{name}"]


def containers(objects: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(workload name, pod spec, container) of every Deployment and Job."""
    return [(o["metadata"]["name"], o["spec"]["template"]["spec"], container)
            for o in objects if o["kind"] in {"Deployment", "Job"}
            for container in o["spec"]["template"]["spec"]["containers"]]


@functools.cache
def _kubernetes_validator(version: str, kind: str, api_version: str) -> jsonschema.Validator:
    """kubernetes-validate's strict schemas (unknown fields refused), as its own validate()
    builds them, but kept: its definitions file is 1.3 MB."""
    group, _, version_of_kind = api_version.rpartition("/")
    prefix = f"{group.partition('.')[0]}-" if group else ""  # rbac.authorization.k8s.io: rbac
    folder = f"kubernetes-json-schema/v{version}.0-local-strict"
    schema = schema_contents(f"{folder}/{kind.lower()}-{prefix}{version_of_kind}.json", version)
    definitions = schema_contents(f"{folder}/_definitions.json", version)
    registry: referencing.Registry[Any] = (
        referencing.Resource.from_contents(definitions) @ referencing.Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


@functools.cache
def _crd_validator(kind: str, api_version: str) -> jsonschema.Validator:
    schema = json.loads((CRD_SCHEMAS / CRD_SCHEMA_FILES[(kind, api_version)]).read_text())
    return jsonschema.Draft202012Validator(schema)


def schema_errors(document: dict[str, Any], version: str) -> list[str]:
    """What the schema of this object's kind refuses in it ([] when it is valid)."""
    key = (document["kind"], document["apiVersion"])
    validator = (_crd_validator(*key) if key in CRD_SCHEMA_FILES
                 else _kubernetes_validator(version, *key))
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]
