"""SLO simulation (issue 19 item 1): backtest and Monte Carlo of an SLO before it is
approved. Percent, milliseconds and ISO times at this edge; ratios and seconds inside."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path

from slo_engine import __version__
from slo_engine.api.ingestion_schemas import SERVICE_ID_PATTERN
from slo_engine.api.problem_schemas import problem_responses
from slo_engine.api.security import access
from slo_engine.api.simulation_schemas import SimulationBody, SimulationDocument
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import milliseconds, percent
from slo_engine.api.what_if_document import (
    capacity_document,
    dependency_changes,
    dependency_document,
)
from slo_engine.api.what_if_schemas import WhatIfBody
from slo_engine.api.wiring import Simulations, WhatIfs, WhatIfUseCases
from slo_engine.application.simulate_slo import SimulationProvenance, SliSimulation, SloSimulation
from slo_engine.application.simulation_targets import SimulationRequest
from slo_engine.domain.access import Action
from slo_engine.domain.backtest import BudgetPoint, PeriodBacktest, PeriodOutcome
from slo_engine.domain.errors import DependencyUnavailable, InvalidInput
from slo_engine.domain.period_simulation import PeriodSimulation
from slo_engine.domain.slo import SloTargets, percentile_label

router = APIRouter(prefix="/api/v1/services", tags=["simulation"])

BACKTEST_METHOD = (
    "Every SLO period in the window, judged as the generated rules judge it: a period's "
    "budget is (1 - target) x its requests, breached when its bad events exceed it, "
    "exhausted at the end of the first step at which they do. Rolling periods end at the "
    "window's end and every whole day before it; rolling breaches are judged at every "
    "step. Calendar periods: UTC months (30 days), ISO weeks (7), four ISO weeks from "
    "1970-01-05 (28); whole ones only.")
INTERVAL_METHOD = ("Wilson score interval (95%) of the breach probability over the draws: "
                   "the Monte Carlo error; parameter uncertainty is inside the draws")
EXPECTED_METHOD = "breach probability x (365.25 / 4) / period days: back-to-back periods"


@router.post("/{service_id}/slos/simulate",
             dependencies=[access(Action.READ, "simulations")],
             summary="Backtest an SLO on the service's history and simulate its next period",
             response_model=SimulationDocument, responses=problem_responses(404, 502, 504))
async def simulate_slo(service_id: Annotated[str, Path(pattern=SERVICE_ID_PATTERN)],
                       body: SimulationBody, simulations: Simulations, what_ifs: WhatIfs
                       ) -> dict[str, Any]:
    """Computes and stores nothing; answers within 120 s or 504. A body with `what_if`
    and no SLO answers the what-if alone."""
    if body.what_if is not None and not body.names_an_slo:
        document = _what_if_only(service_id, what_ifs)
    else:
        if simulations is None:
            raise DependencyUnavailable("metrics store", "no Prometheus is configured")
        document = simulation_document(await simulations.simulate(
            simulation_request(service_id, body)))
    if body.what_if is not None:
        document["what_if"] = await _what_if(service_id, body.what_if,
                                             body.historical_window_days, what_ifs)
    return document


def _what_if_only(service_id: str, what_ifs: WhatIfUseCases) -> dict[str, Any]:
    return {"simulation_id": str(uuid.uuid4()), "service_id": service_id,
            "generated_at": iso_from_ms(what_ifs.now_ms()), "slo": None, "slis": [],
            "provenance": None, "method": None}


async def _what_if(service_id: str, body: WhatIfBody, window_days: int,
                   what_ifs: WhatIfUseCases) -> dict[str, Any]:
    if not body.dependencies and body.traffic_multiplier is None \
            and body.replica_count is None:
        raise InvalidInput("The what-if asks nothing.", [{
            "pointer": "/what_if", "message": "give dependencies, traffic_multiplier or "
                                              "replica_count"}])
    dependencies = capacity = None
    if body.dependencies:
        dependencies = dependency_document(await what_ifs.dependencies.answer(
            service_id, dependency_changes(service_id, body)))
    if body.traffic_multiplier is not None or body.replica_count is not None:
        if what_ifs.capacity is None:
            raise DependencyUnavailable("metrics store", "no Prometheus is configured")
        capacity = capacity_document(await what_ifs.capacity.answer(
            service_id, body.traffic_multiplier, body.replica_count, window_days))
    return {"dependencies": dependencies, "capacity": capacity}


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


def simulation_document(result: SloSimulation) -> dict[str, Any]:
    slo = result.slo
    return {
        "simulation_id": result.simulation_id, "service_id": result.service_id,
        "generated_at": iso_from_ms(result.generated_at_ms),
        "slo": {"source": slo.source, "period_days": slo.period_days, "slo_id": slo.slo_id,
                "version": slo.slo_version, "recommendation_id": slo.recommendation_id,
                "tier": slo.tier},
        "slis": [_sli(sli, result.next_period) for sli in result.slis],
        "provenance": _provenance(result.provenance),
        "method": {"backtest": BACKTEST_METHOD, "breach_interval": INTERVAL_METHOD,
                   "expected_breaches": EXPECTED_METHOD},
    }


def _sli(sli: SliSimulation, period: tuple[int, int]) -> dict[str, Any]:
    view: dict[str, Any] = {
        "sli_type": sli.sli_type, "target": percent(sli.target_ratio),
        "backtest": {"rolling": _backtest(sli.backtest.rolling),
                     "calendar": _backtest(sli.backtest.calendar)},
        "monte_carlo": None if sli.forecast is None else _monte_carlo(sli.forecast, period),
        "monte_carlo_method": sli.method,
    }
    if sli.sli_type == "latency":
        view.update(percentile=sli.percentile_label,
                    threshold_ms=milliseconds(sli.threshold_seconds),
                    judged_at_bucket_ms=milliseconds(sli.judged_at_seconds))
    if sli.forecast is None:
        view["note"] = "fewer than 7 days with traffic: no bootstrap of the next period"
    return view


def _backtest(backtest: PeriodBacktest) -> dict[str, Any]:
    return {"alignment": backtest.alignment, "periods_total": len(backtest.periods),
            "periods_breached": sum(p.breached for p in backtest.periods),
            "periods": [_period(p) for p in backtest.periods],
            "breaches": [{"start": _iso(b.start_s), "end": _iso(b.end_s)}
                         for b in backtest.breaches],
            "budget_remaining": [_budget_point(p) for p in backtest.budget_remaining]}


def _period(period: PeriodOutcome) -> dict[str, Any]:
    return {"start": _iso(period.start_s), "end": _iso(period.end_s),
            "requests": round(period.requests, 3), "bad_events": round(period.bad_events, 3),
            "budget_consumed": percent(period.budget_use_ratio, 2),
            "breached": period.breached, "exhausted_at": _iso(period.exhausted_at_s),
            "time_to_exhaustion_seconds": period.time_to_exhaustion_s}


def _budget_point(point: BudgetPoint) -> dict[str, Any]:
    return {"at": _iso(point.at_s), "remaining": percent(point.remaining_ratio, 2)}


def _monte_carlo(forecast: PeriodSimulation, period: tuple[int, int]) -> dict[str, Any]:
    return {
        "period": {"start": _iso(period[0]), "end": _iso(period[1])},
        "iterations": forecast.iterations,
        "budget_consumed_quantiles": {_quantile_name(q): round(v * 100, 2)
                                      for q, v in forecast.budget_use_quantiles.items()},
        "mean_budget_consumed": round(forecast.mean_budget_use_ratio * 100, 2),
        "breach_probability": round(forecast.breach_probability, 4),
        "breach_probability_interval": [round(x, 4) for x in forecast.breach_interval],
        "breach_probability_standard_error": round(forecast.standard_error, 4),
        "expected_breaches_per_quarter": round(forecast.expected_breaches_per_quarter, 3),
        "expected_breaches_per_quarter_interval": [
            round(x, 3) for x in forecast.expected_breaches_interval],
        "periods_per_quarter": round(forecast.periods_per_quarter, 4),
    }


def _provenance(provenance: SimulationProvenance) -> dict[str, Any]:
    return {
        "history_window": {"start": _iso(provenance.history_start_s),
                           "end": _iso(provenance.history_end_s)},
        "history_step_seconds": provenance.step_s,
        "days_of_history": round(provenance.days_of_history, 2),
        "forecast_history_days": provenance.forecast_history_days,
        "graph_version": provenance.graph_version,
        "policy_version": provenance.policy_version,
        "policy_digest": provenance.policy_digest, "prior_source": provenance.prior_source,
        "seed": provenance.seed, "iterations": provenance.iterations,
        "engine_version": __version__,
    }


def _quantile_name(q: float) -> str:
    """0.05 -> 'p05', 0.5 -> 'p50', 0.99 -> 'p99'."""
    return f"p{round(q * 100):02d}"


def _iso(epoch_s: int | None) -> str | None:
    return None if epoch_s is None else iso_from_ms(epoch_s * 1000)
