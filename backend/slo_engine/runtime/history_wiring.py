"""The composition root's part for everything that reads the metrics store (bootstrap.py
calls it): recommendations, regeneration, aggregation, drift, forecast priors, dry runs,
graph and SLI discovery. All of it exists, or (no Prometheus configured) none."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from slo_engine.adapters.engine_metrics import EngineMetrics
from slo_engine.adapters.graph.forecast_priors import GraphForecastPriors
from slo_engine.adapters.graph.ledger import GraphSloLedger
from slo_engine.adapters.graph.repository import GraphRepository
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.adapters.graph.sli_aggregates import GraphSliAggregates
from slo_engine.adapters.graph.slis import GraphSlis
from slo_engine.adapters.kubernetes_catalogue import KubernetesCatalogue
from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_catalog import PrometheusMetricCatalog
from slo_engine.adapters.prometheus_edges import PrometheusEdgeTelemetry
from slo_engine.adapters.prometheus_range import PrometheusRangeQueries
from slo_engine.adapters.prometheus_samples import PrometheusRawSamples
from slo_engine.adapters.promql_selectors import PromqlParserSelectors
from slo_engine.adapters.redis_cache import RedisRecommendationCache
from slo_engine.adapters.redis_cooldown import RedisDriftCooldown
from slo_engine.adapters.river_drift import river_alarm_positions
from slo_engine.adapters.rq_jobs import RqJobQueue
from slo_engine.application.aggregate_slis import AggregateSlis, StalenessPolicy
from slo_engine.application.auto_approval import AutoApprove
from slo_engine.application.availability_forecasts import FitForecastPriors, ForecastPriors
from slo_engine.application.detect_drift import DetectDrift, DriftSchedule
from slo_engine.application.discover_graph import DiscoverGraph, DiscoveryOptions
from slo_engine.application.discover_slis import DiscoverSlis, SliDiscoveryOptions
from slo_engine.application.dry_run_alerts import DryRunAlerts, DryRunOptions
from slo_engine.application.graph_divergences import GraphDivergences
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.ingest_graph import IngestDependencyGraph
from slo_engine.application.ports import Clock
from slo_engine.application.prior_bootstrap import PriorBootstrap
from slo_engine.application.recommend_slos import RecommendSlos
from slo_engine.application.regenerate_recommendations import RegenerateRecommendations
from slo_engine.application.review_slis import ReviewSlis
from slo_engine.application.serve_recommendation import ServeRecommendation
from slo_engine.application.slo_rule_files import SloRuleFiles
from slo_engine.policy.recommendation_policy import RecommendationPolicy
from slo_engine.runtime.settings import Settings
from slo_engine.runtime.sli_configuration import SliQueryResolver


@dataclass(frozen=True)
class HistoryUseCases:
    """Everything that reads the metrics store: all of it exists, or (no Prometheus) none."""

    telemetry: PrometheusTelemetry
    request_telemetry: PrometheusTelemetry  # one attempt per query, within a deadline
    recommendations: ServeRecommendation
    regenerate: RegenerateRecommendations
    aggregate: AggregateSlis
    detect_drift: DetectDrift
    fit_priors: FitForecastPriors
    prior_bootstrap: PriorBootstrap  # the priors fitted by the first forecast needing them
    dry_runs: DryRunAlerts  # generated alerts replayed on history
    discover_graph: DiscoverGraph  # the graph from servicegraph and mesh metrics
    review_slis: ReviewSlis  # SLIs discovered from the metric catalog, approved by people


@dataclass(frozen=True)
class HistoryParts:
    """What the use cases over the metrics store are built from."""

    graph: GraphRepository
    runner: CypherRunner
    snapshots: SnapshotHolder
    cache: RedisRecommendationCache
    clock: Clock
    ledger: GraphSloLedger
    jobs: RqJobQueue
    client: redis.Redis
    metrics: EngineMetrics
    auto_approve: AutoApprove
    sli_aggregates: GraphSliAggregates
    rule_files: SloRuleFiles
    ingest: IngestDependencyGraph
    resolver: SliQueryResolver
    slis: GraphSlis
    policy: RecommendationPolicy  # read once at start-up, shared with simulations
    prior_store: GraphForecastPriors
    priors: ForecastPriors  # one cache per process: a fit's forget() reaches every reader


def history_use_cases(settings: Settings, telemetry: PrometheusTelemetry | None,
                       request_telemetry: PrometheusTelemetry | None, parts: HistoryParts
                       ) -> HistoryUseCases | None:
    """Everything that reads history; none without a metrics store."""
    if telemetry is None or request_telemetry is None:
        return None
    policy, prior_store, priors = parts.policy, parts.prior_store, parts.priors
    fit_priors = FitForecastPriors(telemetry, parts.snapshots, prior_store, parts.clock,
                                   policy, priors)
    bootstrap = PriorBootstrap(fit_priors.run, priors,
                               settings.forecast_prior_bootstrap_wait_seconds)

    def serving(source: PrometheusTelemetry, deadline_s: float | None,
                first_need: PriorBootstrap | None) -> ServeRecommendation:
        recommend = RecommendSlos(parts.graph, parts.snapshots, source, parts.clock, policy,
                                  priors, settings.external_sla_pessimism_ratio,
                                  parts.resolver.source_of)
        return ServeRecommendation(recommend, parts.graph, parts.cache, parts.clock,
                                   parts.auto_approve, deadline_s, source.retry_after_s,
                                   source.breaker.record_failure, first_need)

    return HistoryUseCases(
        telemetry=telemetry, request_telemetry=request_telemetry,
        # Requests fit the priors on first need; jobs do not wait for a fit (the
        # scheduler runs the fit itself, and a worker's loop sleeps between jobs).
        recommendations=serving(request_telemetry, settings.prometheus_request_deadline_seconds,
                                bootstrap),
        regenerate=RegenerateRecommendations(serving(telemetry, None, None),
                                             settings.regeneration_concurrency),
        aggregate=AggregateSlis(
            telemetry, parts.sli_aggregates, parts.snapshots, parts.cache, parts.jobs,
            parts.clock, StalenessPolicy(policy.staleness_relative_change,
                                         policy.staleness_error_ratio_floor),
            settings.regeneration_chunk_services),
        detect_drift=DetectDrift(
            telemetry, parts.snapshots, parts.sli_aggregates, parts.ledger, parts.cache,
            parts.jobs, RedisDriftCooldown(parts.client), parts.clock,
            _drift_schedule(settings), river_alarm_positions,
            observe=parts.metrics.drift_detected),
        dry_runs=_dry_runs(parts, telemetry),
        fit_priors=fit_priors, prior_bootstrap=bootstrap,
        discover_graph=_discover_graph(settings, telemetry, parts),
        review_slis=_review_slis(settings, parts, telemetry))


def _discover_graph(settings: Settings, telemetry: PrometheusTelemetry, parts: HistoryParts
                    ) -> DiscoverGraph:
    """Servicegraph and mesh metrics always; the cluster's declarations when enabled."""
    cluster = (KubernetesCatalogue(settings.cluster_access())
               if settings.kubernetes_discovery_enabled else None)
    return DiscoverGraph(
        PrometheusEdgeTelemetry(telemetry, settings.service_graph_metrics(),
                                settings.mesh_metrics(), settings.node_naming(),
                                settings.linkerd_metrics()),
        parts.ingest, DiscoveryOptions(settings.discovery_window_seconds,
                                       settings.discovery_confidence(),
                                       settings.declaration_conventions()),
        GraphDivergences(parts.graph, parts.snapshots, parts.clock,
                         settings.staleness_window_ms),
        parts.metrics.divergences_counted, cluster, parts.metrics.discovery_source_failed)


def _review_slis(settings: Settings, parts: HistoryParts, telemetry: PrometheusTelemetry
                 ) -> ReviewSlis:
    """SLI discovery for a person waiting: one attempt per query within the deadline."""
    catalog = PrometheusMetricCatalog(
        telemetry.for_requests(settings.sli_discovery_deadline_seconds),
        settings.sli_discovery_max_label_values)
    options = SliDiscoveryOptions(settings.sli_discovery_lookback_seconds,
                                  deadline_s=settings.sli_discovery_deadline_seconds)

    def approved(service_id: str) -> None:
        parts.cache.invalidate(service_id)
        parts.snapshots.refresh()

    return ReviewSlis(DiscoverSlis(catalog, parts.clock, options), catalog,
                      parts.slis, parts.graph, parts.ledger, parts.clock,
                      PromqlParserSelectors(), settings.sli_queries(), approved,
                      settings.sli_discovery_lookback_seconds)


def _dry_runs(parts: HistoryParts, telemetry: PrometheusTelemetry) -> DryRunAlerts:
    """One attempt per query, within the dry run's own deadline (longer than a
    request's); alerts evaluated from raw samples, read once per SLI."""
    source = telemetry.for_requests(DryRunOptions().deadline_seconds)
    return DryRunAlerts(parts.rule_files, PrometheusRangeQueries(source), parts.clock,
                        samples=PrometheusRawSamples(source))


def _drift_schedule(settings: Settings) -> DriftSchedule:
    return DriftSchedule(step_s=settings.drift_step_seconds,
                         period_s=settings.drift_period_seconds,
                         interval_s=settings.drift_interval_seconds,
                         cooldown_s=settings.drift_cooldown_seconds,
                         regeneration_chunk_services=settings.regeneration_chunk_services)
