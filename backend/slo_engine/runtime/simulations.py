"""The composition root's part for simulations (bootstrap.py calls it): the same use case
answers requests and the `simulate_slo` jobs, each over its own metrics-store client."""

from __future__ import annotations

from slo_engine.adapters.graph.ledger import GraphSloLedger
from slo_engine.adapters.graph.repository import GraphRepository
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.adapters.graph.simulations import GraphSimulations
from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_range import PrometheusRangeQueries
from slo_engine.adapters.rq_jobs import RqJobQueue
from slo_engine.api.simulation_codec import ApiSimulationCodec
from slo_engine.application.availability_forecasts import ForecastPriors
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.impact_analysis import AnalyseImpact
from slo_engine.application.ports import Clock
from slo_engine.application.prior_bootstrap import PriorBootstrap
from slo_engine.application.run_simulation import (
    RunSimulation,
    SimulationLimits,
    SimulationParts,
)
from slo_engine.application.simulate_slo import SimulateSlo
from slo_engine.application.what_if import WhatIfDependencies
from slo_engine.application.what_if_capacity import WhatIfCapacity
from slo_engine.application.what_if_deploy import WhatIfDeploy
from slo_engine.policy.recommendation_policy import RecommendationPolicy
from slo_engine.runtime.settings import Settings


def build_simulations(settings: Settings, runner: CypherRunner, graph: GraphRepository,
                      ledger: GraphSloLedger, snapshots: SnapshotHolder, impact: AnalyseImpact,
                      jobs: RqJobQueue, clock: Clock,
                      telemetry: PrometheusTelemetry | None,
                      request_telemetry: PrometheusTelemetry | None,
                      policy: RecommendationPolicy, priors: ForecastPriors,
                      prior_bootstrap: PriorBootstrap | None = None) -> RunSimulation:
    """Requests read through `request_telemetry` (one attempt per query, within the
    request deadline); jobs through `telemetry` (retries)."""
    dependencies = WhatIfDependencies(graph, ledger, snapshots, impact)

    def parts(source: PrometheusTelemetry | None, first_need: PriorBootstrap | None
              ) -> SimulationParts:
        if source is None:
            return SimulationParts(graph, dependencies)
        simulate = SimulateSlo(graph, ledger, source, clock, policy, priors,
                               settings.simulation_time_limit_seconds, first_need)
        return SimulationParts(graph, dependencies, simulate,
                               WhatIfCapacity(graph, source, clock),
                               WhatIfDeploy(source, PrometheusRangeQueries(source), ledger,
                                            clock))

    # Requests fit the priors on first need; queued runs (workers) do not wait for a fit.
    return RunSimulation(parts(request_telemetry, prior_bootstrap), parts(telemetry, None),
                         GraphSimulations(runner),
                         jobs, clock, ApiSimulationCodec(), SimulationLimits(
                             settings.simulation_time_limit_seconds,
                             settings.simulation_queue_above_seconds))
