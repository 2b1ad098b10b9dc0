"""values.schema.json: Helm refuses bad values before anything renders, the settings it
accepts are exactly the engine's non-secret ones, and what the chart renders from them
loads into the engine's Settings as it would in a pod."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

from slo_engine.runtime.settings import DEFAULT_RATE_LIMITS, Settings
from tests.integration.helm_chart import (
    KUBERNETES_VERSIONS,
    NEO4J,
    ROOT,
    chart,
    merged,
    one,
    render,
    schema_errors,
)

# Settings the chart sets itself, from its own values.
CHART_MANAGED = {"graph_backend", "falkordb_url", "falkordb_graph", "neo4j_uri", "neo4j_user",
                 "neo4j_database", "redis_url", "prometheus_url", "embedded_prometheus",
                 "state_dir", "api_host", "api_port", "shutdown_grace_seconds", "job_mode",
                 "worker_metrics_port", "worker_metrics_host",
                 # from rbac.discovery: the engine reads exactly what the chart grants
                 "kubernetes_discovery_enabled", "kubernetes_read_configmaps"}
# Settings that only ever come from a Secret.
SECRET_SETTINGS = {"neo4j_password", "oidc_issuer", "oidc_audience", "oidc_jwks_url",
                   "notification_webhook_url", "notification_team_webhook_urls",
                   "notification_webhook_secret"}
# One value for every setting the schema accepts, each unlike its default.
SAMPLE_SETTINGS: dict[str, Any] = {
    "prometheus_timeout_seconds": 12.5, "prometheus_retry_delays_seconds": [0.5, 1.5],
    "sli_requests_metric": "http_server_request_duration_seconds_count",
    "sli_duration_bucket_metric": "http_server_request_duration_seconds_bucket",
    "sli_duration_unit_seconds": 0.001, "sli_service_label": "service_name",
    "sli_code_label": "http_response_status_code", "sli_error_code_regex": "5..|429",
    "sli_extra_matchers": {"env": "prod"}, "end_user_key_ceiling_multiplier": 20,
    "prometheus_request_deadline_seconds": 2.5, "policy_file": "/etc/slo-engine/policy.yaml",
    "external_sla_pessimism_ratio": 0.002, "alert_windows_dir": "/etc/slo-engine/windows",
    "promtool_binary": "/usr/local/bin/promtool",
    "runbook_url_template": "https://runbooks.example.com/{service_id}",
    "dashboard_url_template": "https://grafana.example.com/d/{service_id}",
    "simulation_time_limit_seconds": 90.0, "simulation_queue_above_seconds": 2.5,
    "journey_failure_domain_keys": ["zone", "database"],
    "journey_failure_domain_correlation": 0.8, "journey_correlation_draws": 20000,
    "journey_max_steps": 50,
    "query_timeout_ms": 20000, "staleness_window_days": 14, "max_ingestion_nodes": 100000,
    "max_ingestion_edges": 400000, "max_body_bytes": 20971520, "allow_self_loops": True,
    "compact_after_edges": 20000, "graph_write_lock_seconds": 600,
    "api_key_bcrypt_rounds": 13, "api_key_cache_seconds": 30, "oidc_roles_claim":
    "realm_access.roles", "oidc_teams_claims": ["groups"], "oidc_subject_claim": "email",
    "jwks_cache_seconds": 600, "rate_limits_per_minute": {"recommendations": 600},
    "rate_limit_fallback_seconds": 10, "log_format": "text", "log_level": "DEBUG",
    "job_retries": 5, "job_result_ttl_seconds": 172800, "regeneration_chunk_services": 250,
    "regeneration_concurrency": 8, "aggregation_interval_seconds": 1800,
    "forecast_prior_interval_seconds": 43200, "forecast_prior_bootstrap_wait_seconds": 20.0,
    "drift_interval_seconds": 600,
    "drift_step_seconds": 30, "drift_period_seconds": 604800, "drift_cooldown_seconds": 3600,
    "discovery_interval_seconds": 1800, "discovery_window_seconds": 7200,
    "sli_discovery_lookback_seconds": 43_200, "sli_discovery_deadline_seconds": 15.0,
    "sli_discovery_max_label_values": 20_000,
    "discovery_volume_scale_requests": 50.0, "discovery_recency_half_life_seconds": 1800.0,
    "discovery_datastore_name_regex": ".*-db", "discovery_external_name_regex": ".*\\.com",
    "servicegraph_requests_metric": "traces_service_graph_request_total",
    "servicegraph_failed_metric": "traces_service_graph_request_failed_total",
    "servicegraph_latency_bucket_metric":
        "traces_service_graph_request_server_seconds_bucket",
    "servicegraph_client_label": "client", "servicegraph_server_label": "server",
    "servicegraph_connection_type_label": "connection_type",
    "mesh_requests_metric": "istio_requests_total", "mesh_source_label": "source_workload",
    "mesh_destination_label": "destination_workload", "mesh_reporter_label": "reporter",
    "mesh_code_label": "response_code", "mesh_error_code_regex": "5..",
    "linkerd_discovery_enabled": True, "linkerd_requests_metric": "request_total",
    "linkerd_source_label": "workload", "linkerd_destination_label": "dst_workload",
    "linkerd_direction_label": "dir", "linkerd_classification_label": "class",
    "linkerd_failure_value": "error",
    "kubernetes_kubeconfig": "/etc/slo-engine/kubeconfig", "kubernetes_context": "prod",
    "kubernetes_namespaces": ["shop", "payments"], "kubernetes_label_selector": "tier=prod",
    "kubernetes_configmap_selector": "example.com/dependencies",
    "kubernetes_depends_on_annotation": "example.com/depends-on",
    "kubernetes_service_id_annotation": "example.com/service-id",
    "kubernetes_team_label": "team", "kubernetes_criticality_label": "criticality",
    "kubernetes_tier_label": "tier", "kubernetes_page_size": 200,
    "kubernetes_timeout_seconds": 5.0,
}
ALIASES = {"FALKORDB_URL", "NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE",
           "REDIS_URL", "PROMETHEUS_URL"}

REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "a replica count as text": ({"api": {"replicaCount": "three"}},
                                "at '/api/replicaCount': got string, want integer"),
    "neo4j without its password secret": ({"graph": {"backend": "neo4j"}},
                                           "at '/graph/neo4j/existingSecret': minLength"),
    "oidc without its secret": ({"oidc": {"enabled": True}},
                                "at '/oidc/existingSecret': minLength"),
    "webhooks without their secret": ({"notifications": {"enabled": True}},
                                      "at '/notifications/existingSecret': minLength"),
    "an api key bootstrap without its secret": (
        {"apiKeyBootstrap": {"enabled": True}}, "at '/apiKeyBootstrap/existingSecret': minLength"),
    "keda without redis's address when the url is secret": (
        {"redis": {"existingSecret": "r"}, "worker": {"autoscaling": {"keda": {"enabled": True}}}},
        "at '/worker/autoscaling/keda/redisAddress': minLength"),
    "the latest tag": ({"image": {"tag": "latest"}}, "at '/image/tag': 'not' failed"),
    "a password among the settings": ({"settings": {"neo4j_password": "x"}},
                                      "additional properties 'neo4j_password' not allowed"),
    "a setting the chart sets itself": ({"settings": {"redis_url": "redis://r:6379"}},
                                        "additional properties 'redis_url' not allowed"),
    "an annotation name with a space": (
        {"settings": {"kubernetes_depends_on_annotation": "depends on"}},
        "at '/settings/kubernetes_depends_on_annotation': 'depends on' does not match"),
    "a misspelt setting": ({"settings": {"log_levle": "DEBUG"}},
                           "additional properties 'log_levle' not allowed"),
    "a setting of the wrong type": ({"settings": {"max_body_bytes": "10MB"}},
                                    "at '/settings/max_body_bytes': got string, want integer"),
    "a second scheduler": ({"scheduler": {"replicaCount": 2}},
                           "at '/scheduler': additional properties 'replicaCount' not allowed"),
    "uid 0": ({"securityContext": {"runAsUser": 0}},
              "at '/securityContext/runAsUser': minimum: got 0, want 1"),
    "root pods": ({"podSecurityContext": {"runAsNonRoot": False}},
                  "at '/podSecurityContext/runAsNonRoot': value must be true"),
    "privilege escalation": ({"securityContext": {"allowPrivilegeEscalation": True}},
                             "at '/securityContext/allowPrivilegeEscalation': value must be false"),
    "no resource limits": ({"api": {"resources": {"limits": None}}},
                           "at '/api/resources': missing property 'limits'"),
    "a password in the redis url": ({"redis": {"url": "redis://:pw@redis:6379/0"}},
                                    "at '/redis/url': 'redis://:pw@redis:6379/0' does not match"),
    "a password in the falkordb url": (
        {"graph": {"falkordb": {"url": "redis://:pw@falkordb:6379"}}},
        "at '/graph/falkordb/url': 'redis://:pw@falkordb:6379' does not match"),
    "an unknown backend": ({"graph": {"backend": "postgres"}},
                           "at '/graph/backend': value must be one of 'neo4j', 'falkordb'"),
    "a cpu target above 100%": ({"api": {"autoscaling": {"targetCPUUtilizationPercentage": 170}}},
                                "maximum: got 170, want 100"),
    "redis unreachable through the network policy": ({"redis": {"networkPeers": []}},
                                                     "at '/redis/networkPeers': minItems"),
    "an unknown top-level key": ({"replicaCount": 3},
                                 "additional properties 'replicaCount' not allowed"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_the_schema_refuses(case: str) -> None:
    values, message = REFUSED[case]
    with pytest.raises(helm_python.HelmValuesError) as refused:
        chart().validate_schema(values)
    assert message in str(refused.value)
    with pytest.raises(helm_python.HelmValuesError):
        render(values)


def test_the_schema_accepts_a_sample_of_every_setting() -> None:
    chart().validate_schema({"settings": SAMPLE_SETTINGS})


def test_the_schemas_settings_are_the_engines_less_chart_managed_and_secret_ones() -> None:
    schema = chart().schema
    assert schema is not None
    accepted = set(schema["properties"]["settings"]["properties"])
    assert accepted == set(Settings.model_fields) - CHART_MANAGED - SECRET_SETTINGS
    assert set(SAMPLE_SETTINGS) == accepted
    assert set(Settings.model_fields) >= CHART_MANAGED | SECRET_SETTINGS


def _pod_environment(values: dict[str, Any]) -> dict[str, str]:
    """The API container's environment: its ConfigMap, and a stand-in for each secret."""
    objects = render(values)
    environment = dict(one(objects, "ConfigMap", "")["data"])
    container = one(objects, "Deployment", "-api")["spec"]["template"]["spec"]["containers"][0]
    for entry in container.get("env", []):
        key = entry["valueFrom"]["secretKeyRef"]
        environment[entry["name"]] = f"secret {key['name']}/{key['key']}"
    return environment


def _load(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("SLO_ENGINE_") or name in ALIASES:
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_the_rendered_settings_load_into_the_engine_as_they_were_given(
        monkeypatch: pytest.MonkeyPatch) -> None:
    values = merged(NEO4J, {"settings": SAMPLE_SETTINGS})
    settings = _load(_pod_environment(values), monkeypatch)
    loaded = {name: getattr(settings, name) for name in SAMPLE_SETTINGS}
    expected = {**SAMPLE_SETTINGS, "policy_file": Path("/etc/slo-engine/policy.yaml"),
                "alert_windows_dir": Path("/etc/slo-engine/windows"),
                "kubernetes_kubeconfig": Path("/etc/slo-engine/kubeconfig"),
                "rate_limits_per_minute": {**DEFAULT_RATE_LIMITS, "recommendations": 600}}
    assert loaded == expected
    assert (settings.graph_backend, settings.neo4j_uri, settings.neo4j_user,
            settings.neo4j_password) == ("neo4j", "bolt://neo4j:7687", "neo4j",
                                         "secret slo-engine-neo4j/neo4j-password")
    assert (settings.redis_url, settings.prometheus_url, settings.embedded_prometheus) == (
        "redis://redis-master:6379/0", "http://prometheus-operated:9090", False)
    assert (settings.state_dir, settings.api_host, settings.api_port, settings.job_mode,
            settings.shutdown_grace_seconds) == (
        Path("/var/lib/slo-engine"), "0.0.0.0", 8080, "workers", 30.0)


def test_the_default_settings_reach_falkordb_and_oidc_from_its_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:
    values = {"oidc": {"enabled": True, "existingSecret": "idp"}}
    settings = _load(_pod_environment(values), monkeypatch)
    assert (settings.graph_backend, settings.falkordb_url, settings.falkordb_graph) == (
        "falkordb", "redis://falkordb:6379", "slo_engine")
    assert (settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url) == (
        "secret idp/oidc-issuer", "secret idp/oidc-audience", "secret idp/oidc-jwks-url")
    assert (settings.log_format, settings.log_level) == ("json", "INFO")


def test_the_readmes_install_values_render_and_validate() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("cat > prod.yaml <<'VALUES'\n", 1)[1].split("\nVALUES\n", 1)[0]
    values = yaml.safe_load(block)
    objects = render(values)
    assert {o["kind"] for o in objects} >= {"Deployment", "Ingress", "Job", "ServiceMonitor",
                                            "PrometheusRule", "NetworkPolicy"}
    assert [e for o in objects for e in schema_errors(o, KUBERNETES_VERSIONS[1])] == []
    config = one(objects, "ConfigMap", "")["data"]
    assert (config["SLO_ENGINE_GRAPH_BACKEND"], config["NEO4J_URI"]) == (
        "neo4j", "bolt://neo4j.graph.svc:7687")
