"""SLO simulation (issue 19): backtest and Monte Carlo of an SLO before it is approved,
what-ifs, long runs as jobs, and the stored simulations. Rendering: simulation_document.py;
the request read: simulation_codec.py."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from slo_engine.api.ingestion_schemas import SERVICE_ID_PATTERN
from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.security import access
from slo_engine.api.simulation_codec import simulation_ask
from slo_engine.api.simulation_schemas import (
    SimulationAccepted,
    SimulationBody,
    SimulationDocument,
    SimulationList,
    SimulationSummaryView,
    StoredSimulationView,
)
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.wiring import Simulations
from slo_engine.application.run_simulation import QueuedSimulation
from slo_engine.domain.access import Action, Principal
from slo_engine.domain.simulation_record import SimulationRecord

router = APIRouter(tags=["simulation"])
ServiceId = Annotated[str, Path(pattern=SERVICE_ID_PATTERN)]
Simulator = Annotated[Principal, access(Action.READ, "simulations")]


def simulation_url(simulation_id: str) -> str:
    return f"/api/v1/simulations/{simulation_id}"


@router.post("/api/v1/services/{service_id}/slos/simulate",
             summary="Backtest an SLO on the service's history, simulate its next period "
                     "and answer what-ifs; long ones run as a job (202)",
             response_model=SimulationDocument, responses={
                 202: {"model": SimulationAccepted,
                       "description": "Queued as a job: follow status_url"},
                 **problem_responses(404, 502, 504)})
async def simulate_slo(service_id: ServiceId, body: SimulationBody, simulations: Simulations,
                       principal: Simulator, response: Response) -> Any:
    """Runs in the request unless its estimated cost is above the threshold or `run` is
    `queued`: then 202 with the job's URL (Location) and where the result will be. Every
    simulation is stored (GET /simulations/{id}) and has a time limit (504 inline, a
    failed job when queued)."""
    started = await simulations.start(simulation_ask(service_id, body), principal.actor)
    if isinstance(started, QueuedSimulation):
        return _accepted(started, 0.0 if body.run == "queued"
                         else simulations.queue_above_seconds)
    response.headers["Content-Location"] = simulation_url(started.simulation_id)
    document: dict[str, Any] = orjson.loads(started.body)
    return document


def _accepted(queued: QueuedSimulation, threshold: float) -> JSONResponse:
    status_url = f"/api/v1/jobs/{queued.job_id}"
    accepted = SimulationAccepted(
        simulation_id=queued.simulation_id, job_id=queued.job_id, status_url=status_url,
        simulation_url=simulation_url(queued.simulation_id),
        estimated_seconds=round(queued.estimated_seconds, 3), queue_above_seconds=threshold)
    return JSONResponse(accepted.model_dump(), status_code=202,
                        headers={"Location": status_url})


@router.get("/api/v1/simulations/{simulation_id}", response_model=StoredSimulationView,
            dependencies=[access(Action.READ, "default")],
            summary="A stored simulation: its inputs, provenance, method and answer",
            responses=problem_responses(404))
def get_simulation(simulation_id: Annotated[str, Path(max_length=64)],
                   simulations: Simulations) -> StoredSimulationView:
    record = simulations.get_or_raise(simulation_id)
    return StoredSimulationView(**_summary(record).model_dump(),
                                content_intact=record.intact,
                                document=SimulationDocument.model_validate_json(record.body))


@router.get("/api/v1/services/{service_id}/simulations", response_model=SimulationList,
            dependencies=[access(Action.READ, "default")],
            summary="The service's stored simulations, newest first",
            responses=problem_responses(404))
def list_simulations(service_id: ServiceId, simulations: Simulations,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50) -> SimulationList:
    return SimulationList(items=[_summary(r) for r in simulations.of_service(service_id,
                                                                              limit)])


def _summary(record: SimulationRecord) -> SimulationSummaryView:
    return SimulationSummaryView(
        simulation_id=record.simulation_id, simulation_url=simulation_url(record.simulation_id),
        service_id=record.service_id, created_at=str(iso_from_ms(record.created_at_ms)),
        requested_by=record.requested_by, run_mode=record.run_mode, slo_id=record.slo_id,
        slo_version=record.slo_version, estimated_seconds=record.estimated_seconds,
        content_hash=record.content_hash, inputs=dict(record.inputs),
        summary=dict(record.summary))
