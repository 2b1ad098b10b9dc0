"""A simulation request as the API states it, read into what the use case asks, and the
answer rendered (RunSimulation's SimulationCodec). No FastAPI here: a worker reads a
queued request and renders its answer through this same code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slo_engine.api.simulation_document import document_summary, outcome_document
from slo_engine.api.simulation_schemas import SimulationBody, SimulationDocument
from slo_engine.api.what_if_document import dependency_changes
from slo_engine.api.what_if_schemas import DeployBody, WhatIfBody
from slo_engine.application.run_simulation import SimulationAsk, SimulationOutcome, WhatIfAsk
from slo_engine.application.simulate_slo import service_seed
from slo_engine.application.simulation_targets import SimulationRequest
from slo_engine.application.what_if_deploy import DeployMarker
from slo_engine.domain.errors import InvalidInput
from slo_engine.domain.slo import SloTargets, percentile_label

DEPLOY = "/what_if/deploy"


def simulation_ask(service_id: str, body: SimulationBody) -> SimulationAsk:
    """Raises InvalidInput naming the field for what the schema cannot say."""
    request = simulation_request(service_id, body) if body.names_an_slo else None
    what_if = None if body.what_if is None else _what_if(service_id, body.what_if)
    seed = body.seed if body.seed is not None else service_seed(service_id)
    return SimulationAsk(service_id, request, what_if, body.historical_window_days, seed,
                         body.run, body.model_dump(mode="json", exclude_none=True))


def simulation_request(service_id: str, body: SimulationBody) -> SimulationRequest:
    return SimulationRequest(
        service_id, body.slo_id, body.tier,
        None if body.targets is None else _targets(body),
        None if body.period_days is None else int(body.period_days),
        body.historical_window_days, body.iterations, body.seed)


def _targets(body: SimulationBody) -> SloTargets:
    assert body.targets is not None
    latency: dict[str, float] = {}
    for k, target in enumerate(body.targets.latency):
        label = percentile_label(target.percentile / 100)
        if label in latency:
            raise InvalidInput("Each latency percentile can have one threshold.", [{
                "pointer": f"/targets/latency/{k}/percentile",
                "message": f"{label} is given twice; keep one"}])
        latency[label] = target.threshold_ms / 1000
    ratio = None if body.targets.availability is None else body.targets.availability / 100
    return SloTargets(ratio, latency)


def _what_if(service_id: str, body: WhatIfBody) -> WhatIfAsk:
    if not body.dependencies and body.traffic_multiplier is None \
            and body.replica_count is None and body.deploy is None:
        raise InvalidInput("The what-if asks nothing.", [{
            "pointer": "/what_if", "message": "give dependencies, traffic_multiplier, "
                                              "replica_count or deploy"}])
    return WhatIfAsk(dependency_changes(service_id, body), body.traffic_multiplier,
                     body.replica_count, None if body.deploy is None else _deploy(body.deploy))


def _deploy(body: DeployBody) -> DeployMarker:
    named = [name for name in ("at", "annotation", "drift_event")
             if getattr(body, name) is not None]
    if len(named) != 1:
        raise InvalidInput("Name exactly one deploy marker.", [{
            "pointer": f"{DEPLOY}/{named[1]}" if named else DEPLOY,
            "message": "give one of at (a time), annotation (a series that changes at "
                       f"deploys) or drift_event; got {len(named)}"}])
    pointer = f"{DEPLOY}/{named[0]}"
    if body.at is not None:
        return DeployMarker(pointer, at_s=int(body.at.timestamp()),
                            compare_days=body.compare_days)
    if body.annotation is not None:
        return DeployMarker(pointer, annotation_metric=body.annotation.metric,
                            annotation_labels=dict(body.annotation.labels),
                            compare_days=body.compare_days)
    return DeployMarker(pointer, drift_event=body.drift_event,
                        compare_days=body.compare_days)


class ApiSimulationCodec:
    """Reads a stored request body back (a queued job's) and renders answers."""

    def ask(self, service_id: str, inputs: Mapping[str, Any]) -> SimulationAsk:
        return simulation_ask(service_id, SimulationBody.model_validate(dict(inputs)))

    def document(self, outcome: SimulationOutcome) -> dict[str, Any]:
        """Exactly what the API answers (the response model's defaults filled in), so the
        stored hash is the hash of the answer a client got."""
        return SimulationDocument.model_validate(outcome_document(outcome)).model_dump(
            mode="json")

    def summary(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return document_summary(dict(document))
