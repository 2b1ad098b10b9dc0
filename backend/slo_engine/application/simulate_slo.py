"""Issue 19 item 1: an SLO tested on a service's history before anyone approves it.

- Backtest (domain/backtest.py) over `historical_window_days` of request counts at the
  finest step Prometheus serves for that range, no finer than 5 minutes (latency
  targets: the request-duration histogram, hourly; simulation_history.py).
- Monte Carlo of the coming period, `iterations` draws from one seeded generator:
  availability from the forecast model recommendations use (domain/availability_forecast.py:
  steady errors and incident episodes, the rate pooled with the service's class prior),
  fitted on the window's last days (at most the policy's forecast history) of 15-minute
  counts, as the priors were; latency by a 7-day block bootstrap of the window's days
  (domain/latency_forecast.py). Summaries: domain/period_simulation.py.

Every simulation has a time limit (120 s): past it, SimulationTimedOut (504).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from typing import Literal

import numpy as np

from slo_engine.application.availability_forecasts import ForecastPriors
from slo_engine.application.ports import Clock, GraphStore, Row, SloLedger
from slo_engine.application.prior_bootstrap import PriorBootstrap
from slo_engine.application.simulation_history import (
    PREFERRED_STEP_SECONDS,
    SimulationHistory,
    check_window,
    read_history,
)
from slo_engine.application.simulation_targets import (
    SimulatedSlo,
    SimulationRequest,
    SimulationTargets,
)
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.availability_forecast import simulate_period_errors
from slo_engine.domain.backtest import Backtest, backtest, budget_ratio_of
from slo_engine.domain.errors import InvalidInput, ServiceNotFound, SimulationTimedOut
from slo_engine.domain.fleet_prior import FleetPrior
from slo_engine.domain.incident_history import fit_service
from slo_engine.domain.latency_forecast import period_slow_shares
from slo_engine.domain.period_simulation import PeriodSimulation, summarise_periods
from slo_engine.domain.simulation_cost import SimulationSize
from slo_engine.domain.sli_events import daily_events, slow_events
from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.generators.slo_spec import latency_objective_ratio
from slo_engine.policy.recommendation_policy import RecommendationPolicy

LIMIT_SECONDS = 120.0
MAX_ITERATIONS = 10_000
AVAILABILITY_METHOD = (
    "Monte Carlo of the next period with the availability forecast model: per draw an "
    "episode rate from the service's posterior (pooled with its class prior), a period "
    "clustering factor, Poisson episodes whose sizes come from the service's own and the "
    "fleet's episodes, and a drifting steady error ratio; fitted on 15-minute counts")
LATENCY_METHOD = ("Moving-block bootstrap of the window's days in 7-day blocks: each draw "
                  "is a next period made of whole days of this service's history")


@dataclass(frozen=True)
class SliSimulation:
    sli_type: Literal["availability", "latency"]
    target_ratio: float
    backtest: Backtest
    forecast: PeriodSimulation | None  # None: too few days for the latency bootstrap
    method: str
    percentile_label: str | None = None
    threshold_seconds: float | None = None
    judged_at_seconds: float | None = None  # the histogram bound the SLI is judged at


@dataclass(frozen=True)
class SimulationProvenance:
    history_start_s: int
    history_end_s: int
    step_s: int
    days_of_history: float
    forecast_history_days: int
    graph_version: int
    policy_version: int
    policy_digest: str
    prior_source: str
    seed: int
    iterations: int


@dataclass(frozen=True)
class SloSimulation:
    simulation_id: str
    service_id: str
    generated_at_ms: int
    slo: SimulatedSlo
    slis: list[SliSimulation]
    provenance: SimulationProvenance

    @property
    def next_period(self) -> tuple[int, int]:
        """The simulated period: from the history's end, one SLO period long."""
        end = self.provenance.history_end_s
        return end, end + self.slo.period_days * DAY_SECONDS


class SimulateSlo:
    def __init__(self, graph: GraphStore, ledger: SloLedger, telemetry: Telemetry,
                 clock: Clock, policy: RecommendationPolicy, priors: ForecastPriors,
                 limit_s: float = LIMIT_SECONDS,
                 prior_bootstrap: PriorBootstrap | None = None) -> None:
        self._prior_bootstrap = prior_bootstrap  # fits the fleet's priors on first need
        self._graph = graph
        self._telemetry = telemetry
        self._clock = clock
        self._policy = policy
        self._priors = priors
        self._limit_s = limit_s
        self._targets = SimulationTargets(graph, ledger, policy.slo_period_days)

    async def simulate(self, request: SimulationRequest, simulation_id: str | None = None
                       ) -> SloSimulation:
        try:
            async with asyncio.timeout(self._limit_s):
                return await self._simulate(request, simulation_id or str(uuid.uuid4()))
        except TimeoutError as error:
            raise SimulationTimedOut(self._limit_s) from error

    async def size_of(self, request: SimulationRequest) -> SimulationSize:
        """What the simulation will do, for its cost estimate (domain/simulation_cost.py);
        raises what simulating would for an unknown service or SLO or a bad window."""
        _, slo = await self._resolved(request)
        step = self._telemetry.step_for(request.historical_window_days * DAY_SECONDS,
                                        PREFERRED_STEP_SECONDS)
        return SimulationSize(request.historical_window_days, step, request.iterations,
                              slo.period_days, slo.targets.availability_ratio is not None,
                              len(slo.targets.latency_seconds))

    async def _resolved(self, request: SimulationRequest) -> tuple[Row, SimulatedSlo]:
        _check_iterations(request.iterations)
        service = await asyncio.to_thread(self._graph.get_service, request.service_id)
        if service is None:
            raise ServiceNotFound(request.service_id)
        slo: SimulatedSlo = await asyncio.to_thread(self._targets.resolve, request)
        check_window(request.historical_window_days, slo.period_days)
        return service, slo

    async def _simulate(self, request: SimulationRequest, simulation_id: str) -> SloSimulation:
        service, slo = await self._resolved(request)
        history = await read_history(self._telemetry, request.service_id, slo,
                                     request.historical_window_days, self._now_s(),
                                     self._policy.forecast_history_days)
        version = await asyncio.to_thread(self._graph.graph_version)
        if self._prior_bootstrap is not None:
            await self._prior_bootstrap.wait_for_priors()
        prior, source = await asyncio.to_thread(self._priors.prior_for,
                                                service.get("criticality"))
        seed = request.seed if request.seed is not None else service_seed(request.service_id)
        slis = await asyncio.to_thread(self._slis, history, slo, prior, request.iterations,
                                       seed)
        return SloSimulation(simulation_id, request.service_id, self._clock.now_ms(), slo,
                             slis, self._provenance(history, version, source, seed,
                                                    request.iterations))

    def _now_s(self) -> int:
        return self._clock.now_ms() // 1000

    def _slis(self, history: SimulationHistory, slo: SimulatedSlo, prior: FleetPrior,
              iterations: int, seed: int) -> list[SliSimulation]:
        rng = np.random.default_rng(seed)
        slis = []
        if slo.targets.availability_ratio is not None:
            slis.append(self._availability(history, slo, prior, iterations, rng))
        for label, seconds in sorted(slo.targets.latency_seconds.items()):
            slis.append(_latency(history, slo, label, seconds, iterations, rng))
        return slis

    def _availability(self, history: SimulationHistory, slo: SimulatedSlo, prior: FleetPrior,
                      iterations: int, rng: np.random.Generator) -> SliSimulation:
        target = float(slo.targets.availability_ratio or 0.0)
        counts = history.forecast_counts
        fit = fit_service(counts.total, counts.bad, counts.step_s,
                          self._policy.incident_detection)
        errors = simulate_period_errors(fit, prior, slo.period_days, iterations, rng)
        return SliSimulation(
            "availability", target, backtest(history.requests, target, slo.period_days),
            summarise_periods(errors, budget_ratio_of(target), slo.period_days),
            AVAILABILITY_METHOD)

    def _provenance(self, history: SimulationHistory, graph_version: int, prior_source: str,
                    seed: int, iterations: int) -> SimulationProvenance:
        requests = history.requests
        return SimulationProvenance(
            requests.start_s, requests.end_s, requests.step_s, history.days_of_history,
            history.forecast_counts.total.size * history.forecast_counts.step_s // DAY_SECONDS,
            graph_version, self._policy.version, self._policy.digest, prior_source, seed,
            iterations)


def _latency(history: SimulationHistory, slo: SimulatedSlo, label: str, seconds: float,
             iterations: int, rng: np.random.Generator) -> SliSimulation:
    target = latency_objective_ratio(label)
    histogram = history.latency
    if histogram is None or histogram.bounds.size == 0:
        raise InvalidInput("The service has no request-duration histogram in the metrics "
                           "store, so its latency target cannot be tested.", [{
                               "pointer": slo.pointer,
                               "message": "test its availability target only"}])
    try:
        slow, bound = slow_events(histogram.start_s, histogram.step_s, histogram.bounds,
                                  histogram.counts, seconds)
    except ValueError as error:
        raise InvalidInput(f"The {label} target cannot be judged: {error}.", [{
            "pointer": slo.pointer, "message": "choose a threshold within the histogram"}]
        ) from error
    bad, total = daily_events(slow)
    shares = period_slow_shares(bad, total, slo.period_days, iterations, rng)
    forecast = (None if shares is None
                else summarise_periods(shares, budget_ratio_of(target), slo.period_days))
    return SliSimulation("latency", target, backtest(slow, target, slo.period_days), forecast,
                         LATENCY_METHOD, label, seconds, bound)


def _check_iterations(iterations: int) -> None:
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise InvalidInput("Too many or too few iterations.", [{
            "pointer": "/iterations", "message": f"use 1 to {MAX_ITERATIONS:,}"}])


def service_seed(service_id: str) -> int:
    """The default seed: the same service always gives the same draws."""
    return int.from_bytes(hashlib.sha256(service_id.encode()).digest()[:4], "little")

