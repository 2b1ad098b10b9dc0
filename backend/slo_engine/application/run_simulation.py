"""One simulation request answered and kept (issue 19 items 1, 2 and 4).

- Planned first: the service and the SLO are looked up and the cost estimated
  (domain/simulation_cost.py). Above `queue_above_s` (or when asked), it runs as a
  `simulate_slo` job on the `simulations` queue; otherwise in the request.
- Run: the SLO's backtest and Monte Carlo, then the what-ifs (dependencies, capacity, a
  deploy), all within `limit_s` (past it: SimulationTimedOut, a 504 for an inline run, a
  failed job for a queued one; nothing is stored).
- Kept: the answer document (rendered by the codec, as the API shows it) becomes an
  immutable `(:Simulation)` record linked to the service and the SLO version it tested,
  under its content hash.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol, TypeVar

from slo_engine.application.jobs import JobKind
from slo_engine.application.ports import Clock, GraphStore, JobQueue, SimulationStore
from slo_engine.application.simulate_slo import SimulateSlo, SloSimulation
from slo_engine.application.simulation_targets import SimulationRequest
from slo_engine.application.what_if import DependencyWhatIf, WhatIfDependencies
from slo_engine.application.what_if_capacity import CapacityWhatIf, WhatIfCapacity
from slo_engine.application.what_if_deploy import DeployMarker, DeployWhatIf, WhatIfDeploy
from slo_engine.domain.dependency_changes import DependencyChange
from slo_engine.domain.errors import (
    DependencyUnavailable,
    ServiceNotFound,
    SimulationNotFound,
    SimulationTimedOut,
)
from slo_engine.domain.simulation_cost import SimulationSize, estimated_seconds
from slo_engine.domain.simulation_record import RunMode, SimulationRecord, record_of

NO_METRICS = "no Prometheus is configured"
Progress = Callable[[int, int], None]  # (stages done, stages in all)
T = TypeVar("T")


@dataclass(frozen=True)
class WhatIfAsk:
    dependencies: list[DependencyChange] = field(default_factory=list)
    traffic_multiplier: float | None = None
    replica_count: int | None = None
    deploy: DeployMarker | None = None

    @property
    def capacity(self) -> bool:
        return self.traffic_multiplier is not None or self.replica_count is not None


@dataclass(frozen=True)
class SimulationAsk:
    service_id: str
    slo: SimulationRequest | None  # None: a what-if alone
    what_if: WhatIfAsk | None
    window_days: int
    seed: int
    run: Literal["auto", "queued"]
    inputs: Mapping[str, Any]  # the request as asked: stored, and what a job is given

    @property
    def stages(self) -> int:
        what_if = self.what_if or WhatIfAsk()
        return (int(self.slo is not None) + int(bool(what_if.dependencies))
                + int(what_if.capacity) + int(what_if.deploy is not None) + 1)


@dataclass(frozen=True)
class SimulationOutcome:
    simulation_id: str
    service_id: str
    generated_at_ms: int
    estimated_seconds: float
    slo: SloSimulation | None = None
    dependencies: DependencyWhatIf | None = None
    capacity: CapacityWhatIf | None = None
    deploy: DeployWhatIf | None = None


class SimulationCodec(Protocol):
    """Knows how to read a simulation request as the API states it, and how to render
    the answer as the API shows it (percent, milliseconds, ISO times)."""

    def ask(self, service_id: str, inputs: Mapping[str, Any]) -> SimulationAsk: ...

    def document(self, outcome: SimulationOutcome) -> dict[str, Any]: ...

    def summary(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A few headline numbers of a document, for lists."""
        ...


@dataclass(frozen=True)
class SimulationLimits:
    limit_s: float = 120.0  # any simulation, inline or queued
    queue_above_s: float = 5.0  # estimated seconds above which it runs as a job


@dataclass(frozen=True)
class QueuedSimulation:
    simulation_id: str
    job_id: str
    estimated_seconds: float


@dataclass(frozen=True)
class SimulationParts:
    """What answers each part of a request; the metrics store's parts are None without
    one."""

    graph: GraphStore
    dependencies: WhatIfDependencies
    simulate: SimulateSlo | None = None
    capacity: WhatIfCapacity | None = None
    deploy: WhatIfDeploy | None = None


class RunSimulation:
    """`inline` answers in requests (one attempt per query, within the request deadline);
    `queued` in jobs (the background jobs' retries, no deadline but the time limit)."""

    def __init__(self, inline: SimulationParts, queued: SimulationParts,
                 store: SimulationStore, jobs: JobQueue, clock: Clock,
                 codec: SimulationCodec, limits: SimulationLimits) -> None:
        self._parts = inline
        self._queued_parts = queued
        self._store = store
        self._jobs = jobs
        self._clock = clock
        self._codec = codec
        self._limits = limits

    @property
    def queue_above_seconds(self) -> float:
        return self._limits.queue_above_s

    async def start(self, ask: SimulationAsk, requested_by: str
                    ) -> SimulationRecord | QueuedSimulation:
        """Runs it now and returns its record, or queues it."""
        estimate = await self.estimate(ask)
        simulation_id = str(uuid.uuid4())
        if ask.run == "queued" or estimate > self._limits.queue_above_s:
            job_id = await asyncio.to_thread(self._enqueue, ask, simulation_id, requested_by,
                                             estimate)
            return QueuedSimulation(simulation_id, job_id, estimate)
        return await self.run(ask, simulation_id, requested_by, "inline", estimate)

    async def estimate(self, ask: SimulationAsk) -> float:
        what_if = ask.what_if or WhatIfAsk()
        size = SimulationSize(ask.window_days, 3600, 0, 0, False, 0)
        if ask.slo is not None:
            size = await self._require(self._parts.simulate).size_of(ask.slo)
        elif await asyncio.to_thread(self._parts.graph.get_service, ask.service_id) is None:
            raise ServiceNotFound(ask.service_id)
        return estimated_seconds(replace(size, deploy=what_if.deploy is not None,
                                         dependencies=bool(what_if.dependencies)))

    def _enqueue(self, ask: SimulationAsk, simulation_id: str, requested_by: str,
                 estimate: float) -> str:
        return self._jobs.enqueue(JobKind.SIMULATE_SLO, {
            "simulation_id": simulation_id, "service_id": ask.service_id,
            "inputs": dict(ask.inputs), "requested_by": requested_by,
            "estimated_seconds": round(estimate, 3)}, job_id=f"simulate_slo-{simulation_id}")

    async def run_job(self, simulation_id: str, service_id: str, inputs: Mapping[str, Any],
                      requested_by: str, estimate: float, progress: Progress | None = None
                      ) -> SimulationRecord:
        """A queued simulation (the worker's job): the same run, kept once however often
        the job runs."""
        stored = await asyncio.to_thread(self._store.get_simulation, simulation_id)
        if stored is not None:
            return stored
        return await self.run(self._codec.ask(service_id, inputs), simulation_id,
                              requested_by, "queued", estimate, progress)

    async def run(self, ask: SimulationAsk, simulation_id: str, requested_by: str,
                  run_mode: RunMode, estimate: float, progress: Progress | None = None
                  ) -> SimulationRecord:
        report = progress or _no_progress
        try:
            async with asyncio.timeout(self._limits.limit_s):
                outcome = await self._outcome(
                    self._queued_parts if run_mode == "queued" else self._parts, ask,
                    simulation_id, estimate, report)
        except TimeoutError as error:
            raise SimulationTimedOut(self._limits.limit_s) from error
        document = self._codec.document(outcome)
        record = record_of(document, service_id=ask.service_id,
                           created_at_ms=outcome.generated_at_ms, requested_by=requested_by,
                           run_mode=run_mode, inputs=ask.inputs,
                           summary=self._codec.summary(document), estimated_seconds=estimate)
        await asyncio.to_thread(self._keep, record)
        report(ask.stages, ask.stages)
        return record

    async def _outcome(self, parts: SimulationParts, ask: SimulationAsk, simulation_id: str,
                       estimate: float, report: Progress) -> SimulationOutcome:
        what_if, done = ask.what_if or WhatIfAsk(), 0
        outcome = SimulationOutcome(simulation_id, ask.service_id, self._clock.now_ms(),
                                    estimate)
        report(done, ask.stages)
        if ask.slo is not None:
            slo = await self._require(parts.simulate).simulate(ask.slo, simulation_id)
            outcome, done = replace(outcome, slo=slo), done + 1
            report(done, ask.stages)
        if what_if.dependencies:
            answer = await parts.dependencies.answer(ask.service_id, what_if.dependencies)
            outcome, done = replace(outcome, dependencies=answer), done + 1
            report(done, ask.stages)
        if what_if.capacity:
            capacity = await self._require(parts.capacity).answer(
                ask.service_id, what_if.traffic_multiplier, what_if.replica_count,
                ask.window_days)
            outcome, done = replace(outcome, capacity=capacity), done + 1
            report(done, ask.stages)
        if what_if.deploy is not None:
            deploy = await self._require(parts.deploy).answer(
                ask.service_id, what_if.deploy, ask.window_days, ask.seed)
            outcome = replace(outcome, deploy=deploy)
            report(done + 1, ask.stages)
        return outcome

    def _keep(self, record: SimulationRecord) -> None:
        """Stored once: an earlier run of the same job may have kept it already. Not on
        the audit chain (README, "Long runs and stored simulations": a simulation decides
        nothing, and every append would reset impact analysis' cached baseline)."""
        if not self._store.store_simulation(record) \
                and self._store.get_simulation(record.simulation_id) is None:
            raise ServiceNotFound(record.service_id)

    def get_or_raise(self, simulation_id: str) -> SimulationRecord:
        record = self._store.get_simulation(simulation_id)
        if record is None:
            raise SimulationNotFound(simulation_id)
        return record

    def of_service(self, service_id: str, limit: int) -> list[SimulationRecord]:
        if self._parts.graph.get_service(service_id) is None:
            raise ServiceNotFound(service_id)
        return self._store.service_simulations(service_id, limit)

    @staticmethod
    def _require(part: T | None) -> T:
        if part is None:
            raise DependencyUnavailable("metrics store", NO_METRICS)
        return part


def _no_progress(_done: int, _total: int) -> None:
    """Inline runs report to nobody."""
