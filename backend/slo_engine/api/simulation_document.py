"""The simulation answer as the API shows it and stores it (issue 19 items 1, 2 and 4):
percent, milliseconds and ISO times; ratios and seconds inside. Pure rendering: no
FastAPI, so a worker renders a queued simulation exactly as a request would."""

from __future__ import annotations

from typing import Any

from slo_engine import __version__
from slo_engine.api.timestamps import iso_from_ms
from slo_engine.api.units import milliseconds, percent
from slo_engine.api.what_if_document import (
    capacity_document,
    dependency_document,
    deploy_document,
)
from slo_engine.application.run_simulation import SimulationOutcome
from slo_engine.application.simulate_slo import SimulationProvenance, SliSimulation, SloSimulation
from slo_engine.domain.backtest import BudgetPoint, PeriodBacktest, PeriodOutcome
from slo_engine.domain.period_simulation import PeriodSimulation

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


def outcome_document(outcome: SimulationOutcome) -> dict[str, Any]:
    """The whole answer: the SLO's simulation (or nothing, for a what-if alone) and the
    what-ifs asked."""
    if outcome.slo is not None:
        document = simulation_document(outcome.slo)
    else:
        document = {"simulation_id": outcome.simulation_id, "service_id": outcome.service_id,
                    "generated_at": iso_from_ms(outcome.generated_at_ms), "slo": None,
                    "slis": [], "provenance": None, "method": None}
    parts = (outcome.dependencies, outcome.capacity, outcome.deploy)
    if any(part is not None for part in parts):
        document["what_if"] = {
            "dependencies": None if outcome.dependencies is None
            else dependency_document(outcome.dependencies),
            "capacity": None if outcome.capacity is None
            else capacity_document(outcome.capacity),
            "deploy": None if outcome.deploy is None else deploy_document(outcome.deploy)}
    return document


def document_summary(document: dict[str, Any]) -> dict[str, Any]:
    """Headline numbers for lists: each SLI's breaches and breach probability, and each
    what-if's recommendation in words."""
    slis = [{"sli_type": sli["sli_type"], "target": sli["target"],
             "percentile": sli.get("percentile"),
             "rolling_breached": sli["backtest"]["rolling"]["periods_breached"],
             "rolling_periods": sli["backtest"]["rolling"]["periods_total"],
             "breach_probability": (sli["monte_carlo"] or {}).get("breach_probability")}
            for sli in document["slis"]]
    what_if = document.get("what_if") or {}
    words = {name: part["recommendation"] for name, part in what_if.items()
             if part is not None and "recommendation" in part}
    if what_if.get("capacity") is not None:
        words["capacity"] = (f"projected utilisation "
                             f"{what_if['capacity']['projected_utilisation']:.0%}"
                             + (", saturated" if what_if["capacity"]["saturated"] else ""))
    return {"slis": slis, "what_if": words}

