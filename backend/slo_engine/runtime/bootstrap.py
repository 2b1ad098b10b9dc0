"""The one composition root: builds adapters and use cases for the API, workers and CLI."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import redis

from slo_engine.adapters.bcrypt_hasher import BcryptHasher
from slo_engine.adapters.engine_metrics import EngineMetrics
from slo_engine.adapters.graph.api_keys import API_KEY_QUERIES, GraphApiKeys
from slo_engine.adapters.graph.artifacts import ARTIFACT_QUERIES, GraphArtifacts
from slo_engine.adapters.graph.auto_approval_rules import RULE_QUERIES, GraphApprovalRules
from slo_engine.adapters.graph.cypher_loader import QueryCatalog
from slo_engine.adapters.graph.falkordb_runner import FalkorDBRunner
from slo_engine.adapters.graph.forecast_priors import FORECAST_PRIOR_QUERIES, GraphForecastPriors
from slo_engine.adapters.graph.journeys import JOURNEY_QUERIES, GraphJourneys
from slo_engine.adapters.graph.ledger import LEDGER_QUERIES, GraphSloLedger
from slo_engine.adapters.graph.neo4j_runner import Neo4jRunner
from slo_engine.adapters.graph.repository import REQUIRED_QUERIES, GraphRepository
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.adapters.graph.simulations import SIMULATION_QUERIES
from slo_engine.adapters.graph.sli_aggregates import AGGREGATE_QUERIES, GraphSliAggregates
from slo_engine.adapters.graph.slis import SLI_QUERIES, GraphSlis
from slo_engine.adapters.json_schemas import JsonSchemaValidator
from slo_engine.adapters.oidc import JwksTokenVerifier, OidcConfig
from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.promtool import Promtool
from slo_engine.adapters.redis_cache import RedisRecommendationCache
from slo_engine.adapters.redis_lock import RedisGraphWriteLock
from slo_engine.adapters.redis_rate_limit import RedisTokenBuckets
from slo_engine.adapters.rq_jobs import RqJobQueue
from slo_engine.adapters.webhook_sender import HttpWebhookSender
from slo_engine.application.analyse_graph import AnalyseGraph
from slo_engine.application.api_keys import ApiKeys
from slo_engine.application.auto_approval import AutoApprove
from slo_engine.application.availability_forecasts import ForecastPriors
from slo_engine.application.decide_slo import DecideSlo, DecisionOutcome
from slo_engine.application.deliver_notification import DeliverNotification, WebhookTargets
from slo_engine.application.fleet_availability import FleetAvailability
from slo_engine.application.generate_artifacts import GenerateArtifacts
from slo_engine.application.gitops_files import GitOpsFiles
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.impact_analysis import AnalyseImpact
from slo_engine.application.ingest_graph import IngestDependencyGraph, IngestionPolicy
from slo_engine.application.inhibit_rules import InhibitRules
from slo_engine.application.journeys import Journeys
from slo_engine.application.org_dashboard import OrgDashboard
from slo_engine.application.ports import Clock
from slo_engine.application.run_simulation import RunSimulation
from slo_engine.application.runbook_context import RunbookContexts
from slo_engine.application.slo_rule_files import ArtifactLinks, SloRuleFiles
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.ingestion import IngestionLimits
from slo_engine.policy.loader import load_alert_windows, load_policy
from slo_engine.policy.recommendation_policy import RecommendationPolicy
from slo_engine.runtime.history_wiring import HistoryParts, HistoryUseCases, history_use_cases
from slo_engine.runtime.job_context import inline_jobs
from slo_engine.runtime.processes import (
    ServerProcess,
    running_server_url,
    start_falkordb,
    start_redis,
)
from slo_engine.runtime.prometheus_server import start_prometheus
from slo_engine.runtime.settings import Settings
from slo_engine.runtime.simulations import build_simulations
from slo_engine.runtime.sli_configuration import SliQueryResolver

log = logging.getLogger(__name__)


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


@dataclass
class Container:
    settings: Settings
    graph: GraphRepository
    redis: redis.Redis
    clock: Clock
    snapshots: SnapshotHolder
    ingest: IngestDependencyGraph
    ledger: GraphSloLedger
    decisions: DecideSlo
    impact: AnalyseImpact
    approval_rules: GraphApprovalRules
    dashboard: OrgDashboard
    api_keys: ApiKeys
    rate_limits: RedisTokenBuckets
    metrics: EngineMetrics
    jobs: RqJobQueue
    analyse: AnalyseGraph
    sli_aggregates: GraphSliAggregates
    notifications: DeliverNotification
    rule_files: SloRuleFiles
    artifacts: GenerateArtifacts
    simulations: RunSimulation  # backtests, Monte Carlo and what-ifs, stored
    journey_store: GraphJourneys
    journeys: Journeys
    policy: RecommendationPolicy  # read once at start-up: recommendations, simulations, journeys
    oidc: JwksTokenVerifier | None = None  # bearer tokens only with an identity provider
    history: HistoryUseCases | None = None  # None: no metrics store is configured
    slis: GraphSlis | None = None  # candidate and approved SLIs (reviewed with history)
    servers: list[ServerProcess] = field(default_factory=list)
    # The API's loop, attached at start-up: inline jobs run their async work on it.
    event_loop: asyncio.AbstractEventLoop | None = None

    def require_history(self, purpose: str) -> HistoryUseCases:
        """The use cases over the metrics store, or a 503-class error saying what needed
        them."""
        if self.history is None:
            raise DependencyUnavailable("metrics store",
                                        f"no Prometheus is configured: {purpose}")
        return self.history

    def close(self) -> None:
        """Stops what bootstrap started. The telemetry client is async: the API closes it
        on its own event loop when it shuts down."""
        with contextlib.suppress(Exception):
            self.graph.close()
        with contextlib.suppress(Exception):
            self.redis.close()
        if self.oidc is not None:
            self.oidc.close()
        for server in reversed(self.servers):
            server.stop()


def _graph_runner(settings: Settings, catalog: QueryCatalog, servers: list[ServerProcess],
                  share_running: bool = False) -> CypherRunner:
    if settings.graph_backend == "neo4j":
        if not settings.neo4j_uri:
            raise ValueError("SLO_ENGINE_GRAPH_BACKEND=neo4j needs NEO4J_URI")
        return Neo4jRunner(settings.neo4j_uri, settings.neo4j_user, settings.neo4j_password,
                           catalog, settings.neo4j_database, settings.query_timeout_ms)
    url = settings.falkordb_url
    if url is None and share_running:
        url = running_server_url(settings.state_dir / "falkordb")
    if url is None:
        server = start_falkordb(settings.state_dir / "falkordb", settings.query_timeout_ms)
        servers.append(server)
        log.info("embedded FalkorDB pid %s on %s", server.pid, server.url)
        url = server.url
    return FalkorDBRunner(url, settings.falkordb_graph, catalog, settings.query_timeout_ms)


def _redis_client(settings: Settings, servers: list[ServerProcess]) -> redis.Redis:
    url = settings.redis_url
    if url is None:
        server = start_redis(settings.state_dir / "redis")
        servers.append(server)
        log.info("embedded Redis pid %s on %s", server.pid, server.url)
        url = server.url
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)


def _telemetry(settings: Settings, servers: list[ServerProcess], metrics: EngineMetrics,
               resolver: SliQueryResolver) -> PrometheusTelemetry | None:
    url = settings.prometheus_url
    if url is None:
        if not settings.embedded_prometheus:
            return None
        server = start_prometheus(settings.state_dir / "prometheus")
        servers.append(server)
        log.info("embedded Prometheus pid %s on %s", server.pid, server.url)
        url = server.url
    return PrometheusTelemetry(url, timeout_s=settings.prometheus_timeout_seconds,
                               retry_delays_s=settings.prometheus_retry_delays_seconds,
                               queries_for=resolver, observe=metrics.observe_query)


def _rule_files(settings: Settings, graph: GraphRepository, ledger: GraphSloLedger,
                snapshots: SnapshotHolder, resolver: SliQueryResolver) -> SloRuleFiles:
    try:
        checker: Promtool | None = Promtool(settings.promtool_binary)
    except FileNotFoundError as error:
        log.warning("generated rules will be served unchecked: %s", error)
        checker = None
    return SloRuleFiles(ledger, graph, resolver,
                        load_alert_windows(settings.alert_windows_dir), checker,
                        links=ArtifactLinks(settings.runbook_url_template,
                                            settings.dashboard_url_template),
                        current_graph=snapshots.current)


def _oidc(settings: Settings) -> JwksTokenVerifier | None:
    if not (settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url):
        return None
    return JwksTokenVerifier(OidcConfig(
        settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url,
        settings.oidc_roles_claim, tuple(settings.oidc_teams_claims),
        settings.oidc_subject_claim, settings.jwks_cache_seconds))


def bootstrap(settings: Settings, clock: Clock | None = None) -> Container:
    """Start what is embedded, connect to the rest, and apply the graph schema."""
    catalog = QueryCatalog.load()
    catalog.require(REQUIRED_QUERIES + LEDGER_QUERIES + RULE_QUERIES + API_KEY_QUERIES
                    + AGGREGATE_QUERIES + FORECAST_PRIOR_QUERIES + ARTIFACT_QUERIES
                    + SLI_QUERIES + SIMULATION_QUERIES + JOURNEY_QUERIES)
    metrics = EngineMetrics()
    servers: list[ServerProcess] = []
    try:
        runner = _graph_runner(settings, catalog, servers)
        graph, ledger = GraphRepository(runner), GraphSloLedger(runner)
        graph.apply_schema()
        ledger.audit_head()  # creates the chain's genesis head on a new store
        client = _redis_client(settings, servers)
        snapshots = SnapshotHolder(graph)
        # One resolver: an approved SLI reaches recommendations, rules and drift alike.
        resolver = SliQueryResolver(settings.sli_queries(), snapshots)
        telemetry = _telemetry(settings, servers, metrics, resolver)
    except BaseException:
        for server in reversed(servers):
            server.stop()
        raise
    clock = clock or SystemClock()
    policy = IngestionPolicy(
        IngestionLimits(settings.max_ingestion_nodes, settings.max_ingestion_edges,
                        settings.allow_self_loops),
        settings.staleness_window_ms,
    )
    lock = RedisGraphWriteLock(client, lease_seconds=settings.graph_write_lock_seconds)
    built: list[Container] = []  # inline jobs borrow the container once it exists
    jobs = RqJobQueue(client, inline=settings.job_mode == "inline",
                      retries=settings.job_retries,
                      result_ttl_seconds=settings.job_result_ttl_seconds,
                      inline_context=lambda: inline_jobs(built[0]))
    analyse = AnalyseGraph(graph, lock, clock, snapshots, settings.staleness_window_ms,
                           settings.compact_after_edges)
    ingest = IngestDependencyGraph(graph, lock, clock, policy, snapshots, jobs, analyse)
    cache = RedisRecommendationCache(client)

    def decided(outcome: DecisionOutcome) -> None:
        cache.invalidate(outcome.service_id)
        metrics.decided(outcome.service_id, outcome.action)

    decisions = DecideSlo(graph, ledger, clock, on_decided=decided)
    rules = GraphApprovalRules(runner)
    sli_aggregates = GraphSliAggregates(runner)
    # Requests make one attempt per query within a deadline; background jobs retry.
    request_telemetry = (telemetry.for_requests(settings.prometheus_request_deadline_seconds)
                         if telemetry is not None else None)
    rule_files = _rule_files(settings, graph, ledger, snapshots, resolver)
    slis = GraphSlis(runner)
    recommendation_policy = load_policy(settings.policy_file)
    prior_store = GraphForecastPriors(runner)
    priors = ForecastPriors(prior_store)
    history = history_use_cases(settings, telemetry, request_telemetry, HistoryParts(
        graph, runner, snapshots, cache, clock, ledger, jobs, client, metrics,
        AutoApprove(rules, graph, ledger, decisions), sli_aggregates, rule_files, ingest,
        resolver, slis, recommendation_policy, prior_store, priors))
    notifications = DeliverNotification(
        WebhookTargets(settings.notification_webhook_url, settings.notification_webhook_secret,
                       settings.notification_team_webhook_urls),
        HttpWebhookSender(), ledger, clock)
    fleet = FleetAvailability(request_telemetry, clock)
    journey_store = GraphJourneys(runner)
    impact = AnalyseImpact(graph, snapshots, ledger, fleet, clock,
                           settings.external_sla_pessimism_ratio, journey_store)
    metrics.count_graph_nodes_with(lambda: snapshots.loaded_service_count)
    api_keys = ApiKeys(GraphApiKeys(runner), clock,
                       BcryptHasher(settings.api_key_bcrypt_rounds),
                       settings.api_key_cache_seconds)
    rate_limits = RedisTokenBuckets(client, settings.rate_limit_fallback_seconds)
    artifacts = GenerateArtifacts(rule_files, GraphArtifacts(runner), ledger, clock,
                                  JsonSchemaValidator(), RunbookContexts(ledger, snapshots))
    container = Container(settings, graph, client, clock, snapshots, ingest, ledger,
                          decisions, impact, rules, OrgDashboard(ledger, snapshots, fleet),
                          api_keys, rate_limits, metrics, jobs, analyse, sli_aggregates,
                          notifications, rule_files, artifacts, build_simulations(
                              settings, runner, graph, ledger, snapshots, impact, jobs, clock,
                              telemetry, request_telemetry, recommendation_policy, priors,
                              None if history is None else history.prior_bootstrap),
                          journey_store,
                          Journeys(journey_store, ledger, snapshots, clock,
                                   settings.journey_max_steps), recommendation_policy,
                          _oidc(settings), history, slis, servers)
    built.append(container)
    return container


@contextlib.contextmanager
def gitops_files(settings: Settings) -> Iterator[GitOpsFiles]:
    """The fleet's SLO-as-code files for the command line, over the graph store a running
    API owns (or one started for the command)."""
    catalog = QueryCatalog.load()
    catalog.require(REQUIRED_QUERIES + LEDGER_QUERIES)
    servers: list[ServerProcess] = []
    try:
        runner = _graph_runner(settings, catalog, servers, share_running=True)
        graph, ledger = GraphRepository(runner), GraphSloLedger(runner)
        snapshots = SnapshotHolder(graph)
        rule_files = _rule_files(settings, graph, ledger, snapshots,
                                 SliQueryResolver(settings.sli_queries(), snapshots))
        yield GitOpsFiles(rule_files, ledger, InhibitRules(
            ledger, snapshots, SystemClock(), settings.staleness_window_ms,
            rule_files.windows), RunbookContexts(ledger, snapshots))
        runner.close()
    finally:
        for server in reversed(servers):
            server.stop()


@contextlib.contextmanager
def api_key_registry(settings: Settings) -> Iterator[ApiKeys]:
    """API key administration for the command line. An embedded graph store that a running
    API owns is shared; otherwise one is started for the command and stopped after it."""
    catalog = QueryCatalog.load()
    catalog.require(API_KEY_QUERIES)
    servers: list[ServerProcess] = []
    try:
        runner = _graph_runner(settings, catalog, servers, share_running=True)
        runner.apply_schema()
        yield ApiKeys(GraphApiKeys(runner), SystemClock(),
                      BcryptHasher(settings.api_key_bcrypt_rounds))
        runner.close()
    finally:
        for server in reversed(servers):
            server.stop()
