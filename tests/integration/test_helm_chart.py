"""helm/slo-engine rendered and linted by Helm itself (Helm v4's Go SDK through
helm-python-sdk), every object validated against the Kubernetes schemas of each version in
KUBERNETES_VERSIONS and the CRD schemas in tests/helm_schemas/, and the policies that
matter asserted over what it renders.

Value sets (helm_chart.VALUE_SETS): defaults, neo4j, keda, keda-with-secrets, ingress,
discovery-rbac, existing-secrets, monitoring, fixed-replicas, everything.
"""

from __future__ import annotations

from typing import Any

import helm_python
import pytest
import yaml
from rq import Queue

from slo_engine.adapters.rq_jobs import QUEUE_NAMES
from tests.integration.helm_chart import (
    CHART,
    EXISTING_SECRETS,
    KUBERNETES_VERSIONS,
    NAMESPACE,
    ROOT,
    VALUE_SETS,
    containers,
    merged,
    notes,
    objects_of,
    one,
    render,
    schema_errors,
)

SETS = sorted(VALUE_SETS)
# Every environment variable that carries a secret, and so never sits in a ConfigMap.
SECRET_ENV = {"NEO4J_PASSWORD", "FALKORDB_URL", "REDIS_URL", "SLO_ENGINE_OIDC_ISSUER",
              "SLO_ENGINE_OIDC_AUDIENCE", "SLO_ENGINE_OIDC_JWKS_URL",
              "SLO_ENGINE_NOTIFICATION_WEBHOOK_URL",
              "SLO_ENGINE_NOTIFICATION_TEAM_WEBHOOK_URLS",
              "SLO_ENGINE_NOTIFICATION_WEBHOOK_SECRET", "SLO_ENGINE_BOOTSTRAP_API_KEY"}


@pytest.mark.parametrize("name", SETS)
def test_helm_lint_finds_nothing_but_the_missing_icon(name: str) -> None:
    report = helm_python.lint(CHART, VALUE_SETS[name], strict=True, kube_version="v1.30.0",
                              namespace=NAMESPACE)
    assert report["errors"] == []
    assert [(m["severity"], m["error"]) for m in report["messages"]] == [
        (1, "icon is recommended")]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name", SETS)
def test_every_rendered_object_validates_against_its_schema(name: str, version: str) -> None:
    refused = {f"{o['kind']}/{o['metadata']['name']}": errors for o in render(VALUE_SETS[name])
               if (errors := schema_errors(o, version))}
    assert refused == {}


def test_the_defaults_render_the_three_processes_and_what_serves_them() -> None:
    kinds = sorted(f"{o['kind']}/{o['metadata']['name']}" for o in render({}))
    assert kinds == [
        "ConfigMap/prod-slo-engine", "Deployment/prod-slo-engine-api",
        "Deployment/prod-slo-engine-scheduler", "Deployment/prod-slo-engine-worker",
        "HorizontalPodAutoscaler/prod-slo-engine-api",
        "HorizontalPodAutoscaler/prod-slo-engine-worker", "NetworkPolicy/prod-slo-engine",
        "PodDisruptionBudget/prod-slo-engine-api", "Service/prod-slo-engine-api",
        "Service/prod-slo-engine-worker-metrics", "ServiceAccount/prod-slo-engine"]


@pytest.mark.parametrize("name", SETS)
def test_no_container_runs_as_root_or_can_gain_privileges(name: str) -> None:
    for _, pod, container in containers(render(VALUE_SETS[name])):
        assert pod["securityContext"] == {
            "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"}}
        assert container["securityContext"] == {
            "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "privileged": False, "capabilities": {"drop": ["ALL"]}}
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        assert mounts == {"state": "/var/lib/slo-engine", "tmp": "/tmp"}


@pytest.mark.parametrize("name", SETS)
def test_every_long_running_container_has_a_liveness_probe_and_every_one_resources(
        name: str) -> None:
    objects = render(VALUE_SETS[name])
    for workload, _, container in containers(objects):
        resources = container["resources"]
        assert set(resources) == {"requests", "limits"}, workload
        assert set(resources["requests"]) == set(resources["limits"]) == {"cpu", "memory"}
    probes = {w: c["livenessProbe"] for w, _, c in containers(objects)
              if not w.endswith("api-key-bootstrap")}
    assert probes == {
        "prod-slo-engine-api": {"httpGet": {"path": "/api/v1/health", "port": "http"},
                                "initialDelaySeconds": 15, "periodSeconds": 10,
                                "timeoutSeconds": 3, "failureThreshold": 3},
        "prod-slo-engine-worker": {"httpGet": {"path": "/metrics", "port": "metrics"},
                                   "initialDelaySeconds": 30, "periodSeconds": 20,
                                   "timeoutSeconds": 5, "failureThreshold": 3},
        "prod-slo-engine-scheduler": {"exec": {"command": ["slo-engine", "scheduler",
                                                           "--check"]},
                                      "initialDelaySeconds": 60, "periodSeconds": 60,
                                      "timeoutSeconds": 20, "failureThreshold": 3}}


@pytest.mark.parametrize("name", SETS)
def test_no_image_is_latest_and_every_one_is_the_charts_version(name: str) -> None:
    images = {c["image"] for _, _, c in containers(render(VALUE_SETS[name]))}
    assert images == {"slo-engine:0.1.0"}


def test_an_image_digest_wins_over_the_tag() -> None:
    digest = "sha256:" + "ab" * 32
    objects = render({"image": {"repository": "registry.local/slo-engine", "tag": "0.1.1",
                                "digest": digest}})
    assert {c["image"] for _, _, c in containers(objects)} == {
        f"registry.local/slo-engine@{digest}"}


def test_the_api_probes_health_drains_before_it_is_killed_and_rolls_without_losing_one(
        ) -> None:
    objects = render({})
    api = one(objects, "Deployment", "-api")
    pod = api["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert api["spec"]["strategy"] == {"type": "RollingUpdate",
                                       "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
    assert (container["command"], container["args"]) == (["slo-engine"], ["serve"])
    assert container["readinessProbe"]["httpGet"] == {"path": "/api/v1/health/ready",
                                                      "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/api/v1/health", "port": "http"}
    assert container["lifecycle"] == {"preStop": {"exec": {"command": ["sleep", "5"]}}}
    config = one(objects, "ConfigMap", "")["data"]
    assert config["SLO_ENGINE_SHUTDOWN_GRACE_SECONDS"] == "30"
    assert pod["terminationGracePeriodSeconds"] == 45  # 30 s drain + 5 s pre-stop + 10


def test_a_longer_drain_lengthens_the_grace_period_with_it() -> None:
    objects = render({"api": {"shutdownGraceSeconds": 90}})
    pod = one(objects, "Deployment", "-api")["spec"]["template"]["spec"]
    assert one(objects, "ConfigMap", "")["data"]["SLO_ENGINE_SHUTDOWN_GRACE_SECONDS"] == "90"
    assert pod["terminationGracePeriodSeconds"] == 105


@pytest.mark.parametrize("name", SETS)
def test_the_scheduler_is_exactly_one_recreated_pod_that_nothing_scales(name: str) -> None:
    objects = render(VALUE_SETS[name])
    scheduler = one(objects, "Deployment", "-scheduler")
    assert (scheduler["spec"]["replicas"], scheduler["spec"]["strategy"]) == (
        1, {"type": "Recreate"})
    scaled = {o["spec"]["scaleTargetRef"]["name"] for o in objects
              if o["kind"] in {"HorizontalPodAutoscaler", "ScaledObject"}}
    assert "prod-slo-engine-scheduler" not in scaled


def test_replicas_are_left_to_the_autoscalers_unless_autoscaling_is_off() -> None:
    autoscaled, fixed = render({}), render(VALUE_SETS["fixed-replicas"])
    assert "replicas" not in one(autoscaled, "Deployment", "-api")["spec"]
    assert "replicas" not in one(autoscaled, "Deployment", "-worker")["spec"]
    assert one(fixed, "Deployment", "-api")["spec"]["replicas"] == 3
    assert one(fixed, "Deployment", "-worker")["spec"]["replicas"] == 2
    assert objects_of(fixed, "HorizontalPodAutoscaler") == {}


def test_the_api_scales_on_cpu_at_70_percent_and_on_p95_latency_with_an_adapter() -> None:
    cpu = {"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 70}}}
    plain = one(render({}), "HorizontalPodAutoscaler", "-api")["spec"]
    adapter = one(render(VALUE_SETS["monitoring"]), "HorizontalPodAutoscaler", "-api")["spec"]
    assert (plain["minReplicas"], plain["maxReplicas"], plain["metrics"]) == (3, 10, [cpu])
    assert plain["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                       "name": "prod-slo-engine-api"}
    assert adapter["metrics"] == [cpu, {"type": "Pods", "pods": {
        "metric": {"name": "slo_engine_http_request_duration_seconds_p95"},
        "target": {"type": "AverageValue", "averageValue": "400m"}}}]


def test_without_keda_the_workers_scale_on_cpu() -> None:
    worker = one(render({}), "HorizontalPodAutoscaler", "-worker")["spec"]
    assert (worker["minReplicas"], worker["maxReplicas"]) == (2, 8)
    assert worker["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 70}}}]


def test_keda_scales_the_workers_on_every_rq_queue_that_redis_holds() -> None:
    objects = render(VALUE_SETS["keda"])
    scaled = one(objects, "ScaledObject", "-worker")["spec"]
    assert "prod-slo-engine-worker" not in objects_of(objects, "HorizontalPodAutoscaler")
    assert (scaled["minReplicaCount"], scaled["maxReplicaCount"]) == (2, 8)
    assert scaled["triggers"] == [{
        "type": "redis", "name": f"queue-{queue}",
        "metadata": {"address": "redis-master:6379", "databaseIndex": "0",
                     "listName": Queue.redis_queue_namespace_prefix + queue,
                     "listLength": "100",
                     "activationListLength": "0", "enableTLS": "false"}}
        for queue in QUEUE_NAMES]


def test_keda_reads_the_redis_password_from_its_secret_when_the_url_is_one() -> None:
    objects = render(VALUE_SETS["keda-with-secrets"])
    triggers = one(objects, "ScaledObject", "-worker")["spec"]["triggers"]
    assert {t["metadata"]["address"] for t in triggers} == {"redis-master:6379"}
    assert {t["metadata"]["databaseIndex"] for t in triggers} == {"2"}
    assert {t["authenticationRef"]["name"] for t in triggers} == {"prod-slo-engine-worker"}
    assert one(objects, "TriggerAuthentication", "-worker")["spec"] == {"secretTargetRef": [
        {"parameter": "password", "name": "slo-engine-redis", "key": "redis-password"}]}


@pytest.mark.parametrize("name", SETS)
def test_no_secret_is_rendered_and_no_configmap_holds_a_secret_setting(name: str) -> None:
    values = merged(VALUE_SETS["defaults"], VALUE_SETS[name])
    objects = render(values)
    assert objects_of(objects, "Secret") == {}
    settings = one(objects, "ConfigMap", "")["data"]
    # Only URLs without credentials (the schema refuses a password in them) may sit there.
    plain_urls = {"FALKORDB_URL"} if values.get("graph", {}).get("backend") != "neo4j" else set()
    plain_urls |= set() if values.get("redis", {}).get("existingSecret") else {"REDIS_URL"}
    assert set(settings) & SECRET_ENV == plain_urls
    assert set(settings) & _secret_env_of(objects) == set()
    assert all("@" not in settings[url] for url in plain_urls)


def _secret_env_of(objects: list[dict[str, Any]]) -> set[str]:
    return {e["name"] for _, _, c in containers(objects) for e in c.get("env", [])
            if "valueFrom" in e}


def test_existing_secrets_reach_every_process_by_reference_only() -> None:
    objects = render(EXISTING_SECRETS)
    references = {(w, e["name"], e["valueFrom"]["secretKeyRef"]["name"],
                   e["valueFrom"]["secretKeyRef"]["key"])
                  for w, _, c in containers(objects) for e in c.get("env", [])
                  if "valueFrom" in e}
    shared = {("NEO4J_PASSWORD", "slo-engine-neo4j", "neo4j-password"),
              ("REDIS_URL", "slo-engine-redis", "redis-url"),
              ("SLO_ENGINE_OIDC_ISSUER", "slo-engine-oidc", "oidc-issuer"),
              ("SLO_ENGINE_OIDC_AUDIENCE", "slo-engine-oidc", "oidc-audience"),
              ("SLO_ENGINE_OIDC_JWKS_URL", "slo-engine-oidc", "oidc-jwks-url"),
              ("SLO_ENGINE_NOTIFICATION_WEBHOOK_URL", "slo-engine-webhooks", "webhook-url"),
              ("SLO_ENGINE_NOTIFICATION_TEAM_WEBHOOK_URLS", "slo-engine-webhooks",
               "team-webhook-urls"),
              ("SLO_ENGINE_NOTIFICATION_WEBHOOK_SECRET", "slo-engine-webhooks",
               "webhook-secret")}
    expected = {(f"prod-slo-engine-{w}", *r) for w in ("api", "worker", "scheduler")
                for r in shared} | {
        ("prod-slo-engine-api-key-bootstrap", "NEO4J_PASSWORD", "slo-engine-neo4j",
         "neo4j-password"),
        ("prod-slo-engine-api-key-bootstrap", "SLO_ENGINE_BOOTSTRAP_API_KEY",
         "slo-engine-bootstrap-key", "api-key")}
    assert references == expected
    job = one(objects, "Job", "-api-key-bootstrap")
    assert job["metadata"]["annotations"] == {
        "helm.sh/hook": "post-install,post-upgrade",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded"}
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "apikey", "import", "--name", "helm-bootstrap", "--role", "sre_admin"]


def test_changed_settings_roll_every_pod_through_the_config_checksum() -> None:
    def checksums(values: dict[str, Any]) -> set[str]:
        return {o["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
                for o in objects_of(render(values), "Deployment").values()}

    before, after = checksums({}), checksums({"settings": {"log_level": "DEBUG"}})
    assert len(before) == len(after) == 1
    assert before != after


def _egress(values: dict[str, Any]) -> list[tuple[tuple[str, ...], tuple[int, ...]]]:
    policy = one(render(values), "NetworkPolicy", "")["spec"]
    return [(tuple(str(peer) for peer in rule["to"]),
             tuple(port["port"] for port in rule["ports"])) for rule in policy["egress"]]


def _pods(name: str) -> str:
    return str({"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}}})


DNS = (str({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}),)


def test_egress_goes_only_to_dns_the_graph_store_redis_and_prometheus_by_default() -> None:
    assert _egress({}) == [(DNS, (53, 53)), ((_pods("falkordb"),), (6379,)),
                           ((_pods("redis"),), (6379,)), ((_pods("prometheus"),), (9090,))]
    assert _egress(VALUE_SETS["neo4j"])[1] == ((_pods("neo4j"),), (7687,))


def test_egress_to_the_identity_provider_webhooks_and_api_server_follows_their_values(
        ) -> None:
    assert _egress(VALUE_SETS["everything"])[4:] == [
        ((str({"ipBlock": {"cidr": "203.0.113.10/32"}}),), (443,)),
        ((str({"ipBlock": {"cidr": "198.51.100.0/24"}}),), (443,)),
        ((str({"ipBlock": {"cidr": "10.96.0.1/32"}}),), (443, 6443))]
    # Enabled without peers: no rule at all, never one without `to` (which allows any).
    bare = merged(EXISTING_SECRETS, {"oidc": {"networkPeers": []},
                                     "notifications": {"networkPeers": []}})
    assert len(_egress(bare)) == 4
    assert "no egress to the identity provider" in notes(bare)
    assert "no egress to webhook receivers" in notes(bare)


def test_the_ingress_serves_the_api_over_tls_only_under_its_prefix() -> None:
    ingress = one(render(VALUE_SETS["ingress"]), "Ingress", "-api")
    assert ingress["spec"] == {
        "ingressClassName": "nginx",
        "tls": [{"hosts": ["slo-engine.example.com"], "secretName": "slo-engine-tls"}],
        "rules": [{"host": "slo-engine.example.com", "http": {"paths": [{
            "path": "/api/", "pathType": "Prefix", "backend": {"service": {
                "name": "prod-slo-engine-api", "port": {"name": "http"}}}}]}}]}
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "internal"}


def test_one_api_pod_at_most_is_disrupted_at_a_time() -> None:
    budget = one(render({}), "PodDisruptionBudget", "-api")["spec"]
    assert budget == {"maxUnavailable": 1, "selector": {"matchLabels": {
        "app.kubernetes.io/name": "slo-engine", "app.kubernetes.io/instance": "prod",
        "app.kubernetes.io/component": "api"}}}


def test_discovery_rbac_lists_exactly_what_the_catalogue_reads_and_mounts_the_token_only_then(
        ) -> None:
    objects = render(VALUE_SETS["discovery-rbac"])
    role = objects_of(objects, "ClusterRole")["slo-prod-slo-engine-discovery"]
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["services", "namespaces", "configmaps"],
         "verbs": ["list", "watch"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["list", "watch"]}]
    binding = objects_of(objects, "ClusterRoleBinding")["slo-prod-slo-engine-discovery"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "prod-slo-engine",
                                    "namespace": "slo"}]
    tokens = {w: p["automountServiceAccountToken"] for w, p, _ in containers(objects)}
    assert tokens == {"prod-slo-engine-api": True, "prod-slo-engine-worker": True,
                      "prod-slo-engine-scheduler": True}
    assert {p["automountServiceAccountToken"] for _, p, _ in containers(render({}))} == {False}
    assert objects_of(render({}), "ClusterRole") == {}


def test_the_discovery_toggle_turns_kubernetes_discovery_and_its_configmaps_on_and_off(
        ) -> None:
    def toggles(values: dict[str, Any]) -> tuple[str, str]:
        data = one(render(values), "ConfigMap", "")["data"]
        return (data["SLO_ENGINE_KUBERNETES_DISCOVERY_ENABLED"],
                data["SLO_ENGINE_KUBERNETES_READ_CONFIGMAPS"])

    assert toggles({}) == ("false", "false")
    assert toggles(VALUE_SETS["discovery-rbac"]) == ("true", "true")
    without_maps = {"rbac": {"discovery": {"enabled": True, "configMaps": False}}}
    assert toggles(without_maps) == ("true", "false")
    role = objects_of(render(without_maps), "ClusterRole")["slo-prod-slo-engine-discovery"]
    assert role["rules"][0]["resources"] == ["services", "namespaces"]
    assert toggles({"rbac": {"discovery": {"enabled": False, "configMaps": True}}}) == (
        "false", "false")


def test_the_servicemonitor_scrapes_the_api_and_every_worker_service() -> None:
    objects = render(VALUE_SETS["monitoring"])
    monitor = one(objects, "ServiceMonitor", "")
    selector = monitor["spec"]["selector"]
    scraped = {name for name, service in objects_of(objects, "Service").items()
               if selector["matchLabels"].items() <= service["metadata"]["labels"].items()
               and service["metadata"]["labels"]["app.kubernetes.io/component"]
               in selector["matchExpressions"][0]["values"]}
    assert scraped == {"prod-slo-engine-api", "prod-slo-engine-worker-metrics"}
    assert [(e["port"], e["path"]) for e in monitor["spec"]["endpoints"]] == [
        ("http", "/metrics"), ("metrics", "/metrics")]
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_compose_and_the_chart_run_the_same_three_processes_against_the_same_servers(
        ) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    commands = {name: compose[name]["command"][:2] for name in ("api", "worker", "scheduler")}
    chart_commands = {w.removeprefix("prod-slo-engine-"): [*c["command"], c["args"][0]]
                      for w, _, c in containers(render(VALUE_SETS["neo4j"]))}
    assert commands == chart_commands == {"api": ["slo-engine", "serve"],
                                          "worker": ["slo-engine", "worker"],
                                          "scheduler": ["slo-engine", "scheduler"]}
    servers = {"SLO_ENGINE_GRAPH_BACKEND", "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD",
               "REDIS_URL", "PROMETHEUS_URL", "SLO_ENGINE_STATE_DIR"}
    assert all(servers <= set(compose[name]["environment"]) for name in commands)
    assert compose["scheduler"]["healthcheck"]["test"] == [
        "CMD", "slo-engine", "scheduler", "--check"]
