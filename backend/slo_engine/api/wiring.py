"""Hands each route what the composition root built for it, and nothing else: a route
names the use case it calls (`Catalogue`, `Rules`, ...), never the container. Builds no
use case itself beyond the read-only ones over already-built stores."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from slo_engine.adapters.engine_metrics import EngineMetrics
from slo_engine.api.access_gate import AccessGate
from slo_engine.application.auto_approval import AutoApprovalRules
from slo_engine.application.background_jobs import BackgroundJobs
from slo_engine.application.decide_slo import DecideSlo
from slo_engine.application.dependency_subgraph import DependencySubgraphs
from slo_engine.application.dry_run_alerts import DryRunAlerts
from slo_engine.application.generate_artifacts import GenerateArtifacts
from slo_engine.application.graph_divergences import GraphDivergences
from slo_engine.application.impact_analysis import AnalyseImpact
from slo_engine.application.ingest_graph import IngestDependencyGraph
from slo_engine.application.journey_composite import FailureDomainSettings, JourneyComposites
from slo_engine.application.journey_recommendations import RecommendJourneySlos
from slo_engine.application.journeys import Journeys
from slo_engine.application.manage_cycles import CycleAlerts
from slo_engine.application.org_dashboard import OrgDashboard
from slo_engine.application.review_slis import ReviewSlis
from slo_engine.application.run_simulation import RunSimulation
from slo_engine.application.serve_recommendation import ServeRecommendation
from slo_engine.application.service_catalogue import ServiceCatalogue
from slo_engine.application.sli_presence import SliPresence
from slo_engine.application.slo_records import SloRecords
from slo_engine.application.slo_rule_files import SloRuleFiles
from slo_engine.runtime.bootstrap import Container

T = TypeVar("T")


@dataclass(frozen=True)
class ReadinessProbes:
    """The backing servers readiness asks, each a call that raises when it is down."""

    graph_backend: str
    graph_store: Callable[[], object]
    redis: Callable[[], object]
    prometheus: Callable[[], Awaitable[None]] | None  # None: no metrics store configured
    workers_alive: Callable[[], int] | None  # None: jobs run inline, in the API


@dataclass(frozen=True)
class JourneyUseCases:
    """Knows how to keep journeys and answer their composites and tiers."""

    journeys: Journeys
    composites: JourneyComposites
    recommendations: RecommendJourneySlos

    @classmethod
    def of(cls, container: Container) -> JourneyUseCases:
        settings, history = container.settings, container.history
        composites = JourneyComposites(
            container.journeys, container.journey_store, container.snapshots,
            container.impact, FailureDomainSettings(
                tuple(settings.journey_failure_domain_keys),
                settings.journey_failure_domain_correlation,
                settings.journey_correlation_draws))
        recommender = None if history is None else history.recommendations.recommender
        return cls(container.journeys, composites, RecommendJourneySlos(
            composites, recommender, settings.prometheus_request_deadline_seconds,
            container.policy.slo_period_days))


@dataclass(frozen=True)
class RouteUseCases:
    catalogue: ServiceCatalogue
    slo_records: SloRecords
    decisions: DecideSlo
    rules: AutoApprovalRules
    cycles: CycleAlerts
    divergences: GraphDivergences
    ingest: IngestDependencyGraph
    subgraphs: DependencySubgraphs
    impact: AnalyseImpact
    dashboard: OrgDashboard
    jobs: BackgroundJobs
    readiness: ReadinessProbes
    metrics: EngineMetrics
    gate: AccessGate
    rule_files: SloRuleFiles
    artifacts: GenerateArtifacts
    recommendations: ServeRecommendation | None  # None: no metrics store configured
    sli_presence: SliPresence | None  # None: no metrics store configured
    dry_runs: DryRunAlerts | None  # None: no metrics store configured
    simulations: RunSimulation
    slis: ReviewSlis | None  # None: no metrics store configured
    journeys: JourneyUseCases

    @classmethod
    def of(cls, container: Container) -> RouteUseCases:
        settings, history = container.settings, container.history
        return cls(
            catalogue=ServiceCatalogue(container.graph, container.sli_aggregates),
            slo_records=SloRecords(container.ledger, container.graph),
            decisions=container.decisions,
            rules=AutoApprovalRules(container.approval_rules, container.clock),
            cycles=CycleAlerts(container.graph, container.clock),
            divergences=GraphDivergences(container.graph, container.snapshots,
                                         container.clock, settings.staleness_window_ms),
            ingest=container.ingest,
            subgraphs=DependencySubgraphs(container.graph, container.snapshots,
                                          container.clock, settings.staleness_window_ms),
            impact=container.impact,
            dashboard=container.dashboard,
            jobs=BackgroundJobs(container.jobs, container.snapshots,
                                settings.regeneration_chunk_services),
            readiness=ReadinessProbes(
                container.graph.backend, container.graph.ping, container.redis.ping,
                None if history is None else history.telemetry.ready,
                container.jobs.workers_alive if settings.job_mode == "workers" else None),
            metrics=container.metrics,
            gate=AccessGate(container.api_keys, container.rate_limits,
                            settings.rate_limits_per_minute,
                            settings.end_user_key_ceiling_multiplier, container.oidc),
            rule_files=container.rule_files,
            artifacts=container.artifacts,
            recommendations=None if history is None else history.recommendations,
            dry_runs=None if history is None else history.dry_runs,
            sli_presence=None if history is None else SliPresence(
                history.request_telemetry, container.clock, container.rule_files.sli_definitions),
            simulations=container.simulations,
            slis=None if history is None else history.review_slis,
            journeys=JourneyUseCases.of(container),
        )


def _use_cases(request: Request) -> RouteUseCases:
    use_cases: RouteUseCases = request.app.state.use_cases
    return use_cases


def _one(pick: Callable[[RouteUseCases], T]) -> Callable[[Request], T]:
    """A route dependency handing over one use case."""

    def dependency(request: Request) -> T:
        return pick(_use_cases(request))

    return dependency


Catalogue = Annotated[ServiceCatalogue, Depends(_one(lambda u: u.catalogue))]
Records = Annotated[SloRecords, Depends(_one(lambda u: u.slo_records))]
Decisions = Annotated[DecideSlo, Depends(_one(lambda u: u.decisions))]
Rules = Annotated[AutoApprovalRules, Depends(_one(lambda u: u.rules))]
Cycles = Annotated[CycleAlerts, Depends(_one(lambda u: u.cycles))]
Divergences = Annotated[GraphDivergences, Depends(_one(lambda u: u.divergences))]
Ingestion = Annotated[IngestDependencyGraph, Depends(_one(lambda u: u.ingest))]
Subgraphs = Annotated[DependencySubgraphs, Depends(_one(lambda u: u.subgraphs))]
Impact = Annotated[AnalyseImpact, Depends(_one(lambda u: u.impact))]
Dashboard = Annotated[OrgDashboard, Depends(_one(lambda u: u.dashboard))]
Jobs = Annotated[BackgroundJobs, Depends(_one(lambda u: u.jobs))]
Probes = Annotated[ReadinessProbes, Depends(_one(lambda u: u.readiness))]
Metrics = Annotated[EngineMetrics, Depends(_one(lambda u: u.metrics))]
Gate = Annotated[AccessGate, Depends(_one(lambda u: u.gate))]
RuleFiles = Annotated[SloRuleFiles, Depends(_one(lambda u: u.rule_files))]
Artifacts = Annotated[GenerateArtifacts, Depends(_one(lambda u: u.artifacts))]
Presence = Annotated[SliPresence | None, Depends(_one(lambda u: u.sli_presence))]
DryRuns = Annotated[DryRunAlerts | None, Depends(_one(lambda u: u.dry_runs))]
Recommendations = Annotated[ServeRecommendation | None,
                            Depends(_one(lambda u: u.recommendations))]
Simulations = Annotated[RunSimulation, Depends(_one(lambda u: u.simulations))]
Slis = Annotated[ReviewSlis | None, Depends(_one(lambda u: u.slis))]
JourneyRoutes = Annotated[JourneyUseCases, Depends(_one(lambda u: u.journeys))]
