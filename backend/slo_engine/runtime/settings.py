"""One settings object, read once at start-up from the environment and an optional file."""

from __future__ import annotations

import logging
import os
import re
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from slo_engine.adapters.kubernetes_access import ClusterAccess
from slo_engine.adapters.prometheus_edges import LinkerdMetrics, MeshMetrics, ServiceGraphMetrics
from slo_engine.adapters.promql import SliQueries, UnsafeQuery
from slo_engine.domain.cluster_declarations import DeclarationConventions
from slo_engine.domain.edge_discovery import ConfidencePolicy, NodeNaming

log = logging.getLogger(__name__)
# Old name -> new (one unit suffix for seconds); old ones read, warned, until next release.
RENAMED_SETTINGS = {
    "prometheus_timeout_s": "prometheus_timeout_seconds",
    "prometheus_retry_delays_s": "prometheus_retry_delays_seconds",
    "prometheus_request_deadline_s": "prometheus_request_deadline_seconds",
}

# Requests per minute per client and endpoint group (TRD FR-8's table); "default" covers
# the endpoints that table does not list.
DEFAULT_RATE_LIMITS: dict[str, int] = {
    "ingest": 10, "dependencies": 60, "recommendations": 60, "decide": 30, "slos": 120,
    "slo_history": 30, "impact": 10, "services": 30, "artifacts": 10, "simulations": 10,
    "default": 60,
}

METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_NAME = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
# A Kubernetes label or annotation key: an optional DNS prefix, a slash, a name.
QUALIFIED_NAME = r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"


def _renamed(name: str) -> AliasChoices:
    """The setting under its name and, for a release, its old one."""
    old = next(o for o, n in RENAMED_SETTINGS.items() if n == name)
    return AliasChoices(f"SLO_ENGINE_{name.upper()}", name, f"SLO_ENGINE_{old.upper()}", old)


class Settings(BaseSettings):
    """Every knob the engine has. Unset URLs mean: start that server embedded."""

    model_config = SettingsConfigDict(env_prefix="SLO_ENGINE_", extra="ignore",
                                      populate_by_name=True)

    graph_backend: Literal["falkordb", "neo4j"] = "falkordb"
    falkordb_url: str | None = Field(default=None, validation_alias=AliasChoices(
        "FALKORDB_URL", "SLO_ENGINE_FALKORDB_URL", "falkordb_url"))
    falkordb_graph: str = "slo_engine"
    neo4j_uri: str | None = Field(default=None, validation_alias=AliasChoices(
        "NEO4J_URI", "SLO_ENGINE_NEO4J_URI", "neo4j_uri"))
    neo4j_user: str = Field(default="neo4j", validation_alias=AliasChoices(
        "NEO4J_USER", "SLO_ENGINE_NEO4J_USER", "neo4j_user"))
    neo4j_password: str = Field(default="", validation_alias=AliasChoices(
        "NEO4J_PASSWORD", "SLO_ENGINE_NEO4J_PASSWORD", "neo4j_password"))
    neo4j_database: str | None = Field(default=None, validation_alias=AliasChoices(
        "NEO4J_DATABASE", "SLO_ENGINE_NEO4J_DATABASE", "neo4j_database"))
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices(
        "REDIS_URL", "SLO_ENGINE_REDIS_URL", "redis_url"))
    prometheus_url: str | None = Field(default=None, validation_alias=AliasChoices(
        "PROMETHEUS_URL", "SLO_ENGINE_PROMETHEUS_URL", "prometheus_url"))

    embedded_prometheus: bool = Field(default=True, description=(
        "Start Debian's prometheus under the state dir when PROMETHEUS_URL is unset"))
    prometheus_timeout_seconds: float = Field(
        default=10.0, gt=0, validation_alias=_renamed("prometheus_timeout_seconds"))
    prometheus_retry_delays_seconds: list[float] = Field(
        default=[1.0, 2.0, 4.0], validation_alias=_renamed("prometheus_retry_delays_seconds"),
        description=(
        "Waits between attempts of background jobs' queries; requests never retry"))
    sli_requests_metric: str = Field(default="http_requests_total", description=(
        "The request counter every service's availability is read from (a service's "
        "`sli` metadata overrides any of the sli_* settings)"))
    sli_duration_bucket_metric: str = Field(default="http_request_duration_seconds_bucket",
                                            description="The latency histogram's buckets")
    sli_duration_unit_seconds: float = Field(default=1.0, gt=0, description=(
        "The histogram's unit in seconds: 0.001 for millisecond buckets (span metrics)"))
    sli_service_label: str = Field(default="service", description=(
        "The label naming the service (job, service_name, ...)"))
    sli_code_label: str = Field(default="code", description="The response status label")
    sli_error_code_regex: str = Field(default="5..", description=(
        "Status values that count as errors (5.. or STATUS_CODE_ERROR)"))
    sli_extra_matchers: dict[str, str] = Field(default_factory=dict, description=(
        "More exact label matchers on every SLI query (JSON object), e.g. {\"env\": \"prod\"}"))
    end_user_key_ceiling_multiplier: int = Field(default=50, ge=1, le=10_000, description=(
        "A portal key calling for named end users (X-End-User) gets each person the "
        "group's limit, and itself at most this many times it in all"))
    prometheus_request_deadline_seconds: float = Field(
        default=3.0, gt=0, le=30,
        validation_alias=_renamed("prometheus_request_deadline_seconds"), description=(
        "All of one request's PromQL must answer within this; then the stored "
        "recommendation is served marked stale, or a 503"))
    policy_file: Path | None = Field(default=None, description=(
        "A recommendation policy YAML replacing the shipped one (tiers, windows, archetypes)"))
    simulation_time_limit_seconds: float = Field(default=120.0, gt=0, le=600, description=(
        "Any simulation (POST .../slos/simulate) running longer stops: a 504 problem in a "
        "request, a failed job when queued"))
    simulation_queue_above_seconds: float = Field(default=5.0, ge=0, le=600, description=(
        "A simulation whose estimated cost (domain/simulation_cost.py) is above this runs "
        "as a simulate_slo job (202 with the job's URL); 0 queues every one"))
    journey_failure_domain_keys: list[str] = Field(
        default=["zone", "cluster", "database", "node_pool"], description=(
            "Service metadata keys whose shared values are failure domains: services with "
            "the same value fail together in a journey's correlated composite"))
    journey_failure_domain_correlation: float = Field(default=0.5, ge=0, le=1, description=(
        "How strongly services sharing a failure domain fail together (0: independent, "
        "1: together); a request's `correlation` overrides it"))
    journey_correlation_draws: int = Field(default=10_000, ge=100, le=200_000, description=(
        "Monte Carlo draws of a journey's correlated composite"))
    journey_max_steps: int = Field(default=100, ge=1, le=1000, description=(
        "The most steps a journey may have"))
    external_sla_pessimism_ratio: float = Field(default=0.001, ge=0, lt=1, description=(
        "Subtracted from an external service's published SLA when it has no observed "
        "history (TRD FR-3: 99.99% -> 99.89%)"))

    alert_windows_dir: Path | None = Field(default=None, description=(
        "A directory of burn-rate window files (one YAML per SLO period length) replacing "
        "the SRE workbook's shipped with the engine"))
    promtool_binary: str = Field(default="promtool", description=(
        "promtool, which checks every generated rule file; without it rules are served "
        "unchecked and say so"))
    runbook_url_template: str | None = Field(default=None, description=(
        "Put in every alert's runbook_url annotation; {service_id} is filled in"))
    dashboard_url_template: str | None = Field(default=None, description=(
        "Put in every alert's dashboard_url annotation; {service_id} is filled in"))

    state_dir: Path = Path("state")
    api_host: str = "127.0.0.1"
    api_port: int = 8080

    query_timeout_ms: int = Field(default=30_000, ge=100)
    staleness_window_days: float = Field(default=7.0, gt=0)
    max_ingestion_nodes: int = Field(default=50_000, ge=1)
    max_ingestion_edges: int = Field(default=200_000, ge=1)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    allow_self_loops: bool = False
    compact_after_edges: int = Field(default=10_000, ge=1)
    graph_write_lock_seconds: int = Field(default=300, ge=1)

    api_key_bcrypt_rounds: int = Field(default=12, ge=4, le=16, description=(
        "bcrypt cost of stored API key hashes (SEC-002: 12)"))
    api_key_cache_seconds: float = Field(default=60.0, ge=0, description=(
        "How long a verified API key skips bcrypt; also how long a revocation takes to "
        "reach other API replicas"))
    oidc_issuer: str | None = Field(default=None, description=(
        "Expected `iss` of bearer tokens; with oidc_audience and oidc_jwks_url, enables "
        "OIDC users (needed to accept, modify or reject SLOs)"))
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_roles_claim: str = "roles"
    oidc_teams_claims: list[str] = Field(default=["groups", "team"])
    oidc_subject_claim: str = "sub"
    jwks_cache_seconds: float = Field(default=300.0, ge=0)
    rate_limits_per_minute: dict[str, int] = Field(default_factory=lambda: dict(
        DEFAULT_RATE_LIMITS), description="Overrides merge into DEFAULT_RATE_LIMITS")
    rate_limit_fallback_seconds: float = Field(default=5.0, gt=0, description=(
        "After Redis fails, buckets stay in process this long before Redis is retried"))
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    shutdown_grace_seconds: float = Field(default=30.0, gt=0, description=(
        "In-flight requests get this long to finish after SIGTERM (REL-008)"))

    job_mode: Literal["workers", "inline"] = Field(default="workers", description=(
        "workers: background jobs go to RQ queues that `slo-engine worker` processes "
        "serve; inline: the enqueuing process runs them at once (tests, one-process "
        "installs)"))
    job_retries: int = Field(default=3, ge=0, le=10)
    job_result_ttl_seconds: int = Field(default=86_400, ge=60, description=(
        "How long finished jobs (and their progress) stay visible at /api/v1/jobs"))
    regeneration_chunk_services: int = Field(default=100, ge=1, le=5_000, description=(
        "Services per regeneration job; a fleet regeneration is split into such chunks "
        "so every worker takes a share"))
    regeneration_concurrency: int = Field(default=4, ge=1, le=64, description=(
        "Recommendations a worker computes at once (they mostly wait on Prometheus)"))
    aggregation_interval_seconds: int = Field(default=3600, ge=60)
    forecast_prior_interval_seconds: int = Field(default=86_400, ge=600, description=(
        "How often the fleet's forecast priors are fitted again (at scheduler start too)"))
    forecast_prior_bootstrap_wait_seconds: float = Field(default=30.0, ge=0, le=600, description=(
        "With no forecast prior stored yet, the first recommendation or simulation fits "
        "the fleet's priors, and requests wait for that fit until this long after it "
        "started; past it they answer on the default prior (prior_source: default), "
        "uncached and not auto-approved"))
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535, description=(
        "Where a worker serves its own /metrics (aggregation duration, drift detections, "
        "its PromQL queries); unset: not served"))
    worker_metrics_host: str = "127.0.0.1"
    drift_interval_seconds: int = Field(default=900, ge=60, description=(
        "How often every service is judged for drift (the scheduler's sweep)"))
    drift_step_seconds: int = Field(default=60, ge=15, le=3600, description=(
        "Drift compares one point per step; keep it at least twice the scrape interval"))
    drift_period_seconds: int = Field(default=86_400, ge=3600, description=(
        "Each point is compared with the same time this long before (a day; a week for "
        "fleets whose weekends differ)"))
    drift_cooldown_seconds: int = Field(default=21_600, ge=0, description=(
        "After a confirmed drift, the service is not confirmed again for this long"))
    discovery_interval_seconds: int = Field(default=900, ge=60, description=(
        "How often the graph is discovered from servicegraph and mesh metrics"))
    discovery_window_seconds: int = Field(default=3600, ge=60, le=7 * 86_400, description=(
        "Each discovery run counts the calls made within this window"))
    discovery_volume_scale_requests: float = Field(default=100.0, gt=0, description=(
        "Edge confidence = source prior x (1 - exp(-requests / this)) x recency"))
    discovery_recency_half_life_seconds: float = Field(default=3600.0, gt=0, description=(
        "An edge last seen this long before the run has its confidence halved"))
    sli_discovery_lookback_seconds: int = Field(default=86_400, ge=3600, le=30 * 86_400,
                                                description=(
        "SLI discovery reads series, traffic and samples over this lookback"))
    sli_discovery_deadline_seconds: float = Field(default=20.0, gt=0, le=600, description=(
        "SLI discovery answers what finished by then (flagged incomplete)"))
    sli_discovery_max_label_values: int = Field(default=50_000, ge=1, description=(
        "At most this many values of a service label are read per metric (flagged "
        "truncated beyond)"))
    discovery_datastore_name_regex: str = Field(
        default=NodeNaming().datastore_regex, description=(
            "Servers with such names are datastores (besides connection_type database)"))
    discovery_external_name_regex: str = Field(
        default=NodeNaming().external_regex, description=(
            "Servers with such names are external (besides connection_type virtual_node)"))
    servicegraph_requests_metric: str = Field(
        default="traces_service_graph_request_total", pattern=METRIC_NAME,
        description="The OpenTelemetry servicegraph connector's request counter")
    servicegraph_failed_metric: str = Field(
        default="traces_service_graph_request_failed_total", pattern=METRIC_NAME,
        description="Its failed-request counter")
    servicegraph_latency_bucket_metric: str = Field(
        default="traces_service_graph_request_server_seconds_bucket", pattern=METRIC_NAME)
    servicegraph_client_label: str = Field(default="client", pattern=LABEL_NAME)
    servicegraph_server_label: str = Field(default="server", pattern=LABEL_NAME)
    servicegraph_connection_type_label: str = Field(default="connection_type", pattern=LABEL_NAME)
    mesh_requests_metric: str = Field(default="istio_requests_total", pattern=METRIC_NAME,
                                      description="The service mesh's request counter")
    mesh_source_label: str = Field(default="source_workload", pattern=LABEL_NAME)
    mesh_destination_label: str = Field(default="destination_workload", pattern=LABEL_NAME)
    mesh_reporter_label: str = Field(default="reporter", pattern=LABEL_NAME, description=(
        "Which proxy reported a call; the client's (`source`) wins over the server's"))
    mesh_code_label: str = Field(default="response_code", pattern=LABEL_NAME)
    mesh_error_code_regex: str = Field(default="5..", pattern=r'^[^"\\]+$')
    linkerd_discovery_enabled: bool = Field(default=False, description=(
        "Also read Linkerd's outbound response counters (source service_mesh)"))
    linkerd_requests_metric: str = Field(default="response_total", pattern=METRIC_NAME)
    linkerd_source_label: str = Field(default="deployment", pattern=LABEL_NAME, description=(
        "The calling workload (the outbound proxy's own)"))
    linkerd_destination_label: str = Field(default="dst_deployment", pattern=LABEL_NAME)
    linkerd_direction_label: str = Field(default="direction", pattern=LABEL_NAME, description=(
        "Only its \"outbound\" series are read"))
    linkerd_classification_label: str = Field(default="classification", pattern=LABEL_NAME)
    linkerd_failure_value: str = Field(default="failure", pattern=r'^[^"\\]+$')
    kubernetes_discovery_enabled: bool = Field(default=False, description=(
        "Each discovery run also ingests what the Kubernetes cluster declares (the chart "
        "sets it from rbac.discovery.enabled)"))
    kubernetes_kubeconfig: Path | None = Field(default=None, description=(
        "A kubeconfig file; unset: the pod's service account (in-cluster)"))
    kubernetes_context: str | None = Field(default=None, description=(
        "The kubeconfig context; unset: its current-context"))
    kubernetes_namespaces: list[str] = Field(default_factory=list, description=(
        "Only these namespaces (JSON list); empty: every namespace"))
    kubernetes_label_selector: str = Field(default="", max_length=1000, description=(
        "Only Services and Deployments matching this label selector (e.g. tier=prod)"))
    kubernetes_read_configmaps: bool = Field(default=False, description=(
        "Also read dependency ConfigMaps (the chart sets it from rbac.discovery.configMaps)"))
    kubernetes_configmap_selector: str = Field(
        default="slo-engine.io/dependencies=true", min_length=1, max_length=1000,
        description="The label selector of ConfigMaps that declare dependencies")
    kubernetes_depends_on_annotation: str = Field(
        default="slo-engine.io/depends-on", pattern=QUALIFIED_NAME,
        description="The annotation declaring a Service's or Deployment's dependencies")
    kubernetes_service_id_annotation: str = Field(
        default="slo-engine.io/service-id", pattern=QUALIFIED_NAME,
        description="The annotation giving a service id other than the object's name")
    kubernetes_team_label: str = Field(default="slo-engine.io/team", pattern=QUALIFIED_NAME,
                                       description="The label naming a service's team")
    kubernetes_criticality_label: str = Field(default="slo-engine.io/criticality",
                                              pattern=QUALIFIED_NAME)
    kubernetes_tier_label: str = Field(default="slo-engine.io/tier", pattern=QUALIFIED_NAME)
    kubernetes_page_size: int = Field(default=500, ge=1, le=5000, description=(
        "Objects per list request (paged with limit and continue)"))
    kubernetes_timeout_seconds: float = Field(default=10.0, gt=0, le=120, description=(
        "Each list request's timeout"))
    notification_webhook_url: str | None = Field(default=None, description=(
        "Where drift notifications are POSTed; unset: none are sent"))
    notification_team_webhook_urls: dict[str, str] = Field(default_factory=dict, description=(
        "Per-team webhook URLs (JSON object team -> URL), over the default one"))
    notification_webhook_secret: str | None = Field(default=None, description=(
        "HMAC-SHA256 key of the X-SLO-Engine-Signature header; unset: bodies are unsigned"))

    @model_validator(mode="before")
    @classmethod
    def _warn_of_renamed_settings(cls, data: Any) -> Any:
        """The names before one name per unit (`_SECONDS`) still work for a release."""
        given = set(data) if isinstance(data, dict) else set()
        for old, new in RENAMED_SETTINGS.items():
            if old in given or f"SLO_ENGINE_{old.upper()}" in given \
                    or f"SLO_ENGINE_{old.upper()}" in os.environ:
                message = (f"SLO_ENGINE_{old.upper()} is deprecated and will be removed in "
                           f"the next release; set SLO_ENGINE_{new.upper()} instead")
                warnings.warn(message, DeprecationWarning, stacklevel=2)
                log.warning(message)
        return data

    @field_validator("discovery_datastore_name_regex", "discovery_external_name_regex")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from error
        return pattern

    @field_validator("rate_limits_per_minute")
    @classmethod
    def _merge_rate_limits(cls, limits: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(limits) - set(DEFAULT_RATE_LIMITS))
        if unknown:
            raise ValueError(f"unknown rate limit group(s) {unknown}; known: "
                             f"{sorted(DEFAULT_RATE_LIMITS)}")
        if any(value < 1 for value in limits.values()):
            raise ValueError("rate limits are requests per minute and must be >= 1")
        return {**DEFAULT_RATE_LIMITS, **limits}

    @model_validator(mode="after")
    def _sli_queries_valid(self) -> Settings:
        try:
            self.sli_queries()
        except UnsafeQuery as error:
            raise ValueError(f"SLO_ENGINE_SLI_*: {error}") from error
        return self

    def sli_queries(self) -> SliQueries:
        """The fleet's SLI query conventions."""
        return SliQueries(
            requests_metric=self.sli_requests_metric,
            duration_bucket_metric=self.sli_duration_bucket_metric,
            duration_unit_seconds=self.sli_duration_unit_seconds,
            service_label=self.sli_service_label, code_label=self.sli_code_label,
            error_code_regex=self.sli_error_code_regex,
            extra_matchers=dict(self.sli_extra_matchers))

    def service_graph_metrics(self) -> ServiceGraphMetrics:
        return ServiceGraphMetrics(
            self.servicegraph_requests_metric, self.servicegraph_failed_metric,
            self.servicegraph_client_label, self.servicegraph_server_label,
            self.servicegraph_connection_type_label, self.servicegraph_latency_bucket_metric)

    def mesh_metrics(self) -> MeshMetrics:
        return MeshMetrics(self.mesh_requests_metric, self.mesh_source_label,
                           self.mesh_destination_label, self.mesh_reporter_label,
                           self.mesh_code_label, self.mesh_error_code_regex)

    def linkerd_metrics(self) -> LinkerdMetrics | None:
        if not self.linkerd_discovery_enabled:
            return None
        return LinkerdMetrics(self.linkerd_requests_metric, self.linkerd_source_label,
                              self.linkerd_destination_label, self.linkerd_direction_label,
                              self.linkerd_classification_label, self.linkerd_failure_value)

    def node_naming(self) -> NodeNaming:
        return NodeNaming(self.discovery_datastore_name_regex,
                          self.discovery_external_name_regex)

    def discovery_confidence(self) -> ConfidencePolicy:
        return ConfidencePolicy(self.discovery_volume_scale_requests,
                                self.discovery_recency_half_life_seconds)

    def cluster_access(self) -> ClusterAccess:
        return ClusterAccess(
            self.kubernetes_kubeconfig, self.kubernetes_context,
            tuple(self.kubernetes_namespaces), self.kubernetes_label_selector,
            self.kubernetes_configmap_selector if self.kubernetes_read_configmaps else None,
            self.kubernetes_page_size, self.kubernetes_timeout_seconds)

    def declaration_conventions(self) -> DeclarationConventions:
        return DeclarationConventions(
            self.kubernetes_depends_on_annotation, self.kubernetes_service_id_annotation,
            self.kubernetes_team_label, self.kubernetes_criticality_label,
            self.kubernetes_tier_label)

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        given = [self.oidc_issuer, self.oidc_audience, self.oidc_jwks_url]
        if any(given) and not all(given):
            raise ValueError("OIDC needs all of SLO_ENGINE_OIDC_ISSUER, "
                             "SLO_ENGINE_OIDC_AUDIENCE and SLO_ENGINE_OIDC_JWKS_URL")
        return self

    @property
    def staleness_window_ms(self) -> int:
        return int(self.staleness_window_days * 86_400_000)


def load_settings(settings_file: Path | None = None) -> Settings:
    """Environment variables win over the file (a dotenv-style KEY=value file)."""
    if settings_file is None:
        return Settings()
    if not settings_file.is_file():
        raise FileNotFoundError(f"settings file {settings_file} does not exist")
    return Settings(_env_file=settings_file)
