"""The history a simulation reads, up to the last whole hour: the window's request counts
at the finest step the metrics store serves for it (no finer than 5 minutes); the
request-duration histogram hourly when a latency target is tested (every bucket is a
series: at 15 minutes, 90 days of a 12-bucket histogram took Prometheus 330 ms to
answer, hourly under 100 ms); and the forecast's 15-minute counts of the window's last
days (summed from the window's counts when its step divides 15 minutes; fetched
otherwise)."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

import numpy as np

from slo_engine.application.simulation_targets import SimulatedSlo
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.backtest import EventSeries
from slo_engine.domain.errors import InsufficientHistory, InvalidInput
from slo_engine.domain.time_units import DAY_SECONDS

PREFERRED_STEP_SECONDS = 300
COUNT_STEP_SECONDS = 900  # the forecast's step: its priors were fitted on it
LATENCY_STEP_SECONDS = 3600
SHORTFALL_DAYS = 1.0  # a day short of the window still counts as the window (edges)


@dataclass(frozen=True)
class LatencyHistogram:
    start_s: int
    step_s: int
    bounds: np.ndarray  # upper bounds in seconds, ascending, +Inf last
    counts: np.ndarray  # cumulative counts [bucket, step]: step k ends at start + (k+1) step


@dataclass(frozen=True)
class SimulationHistory:
    requests: EventSeries  # all and failed requests per step over the window
    forecast_counts: EventSeries  # 15-minute steps over the forecast's days
    latency: LatencyHistogram | None  # None: no latency target asked about
    days_of_history: float


def check_window(window_days: int, period_days: int) -> None:
    if window_days < period_days:
        raise InvalidInput("The window must hold at least one SLO period.", [{
            "pointer": "/historical_window_days",
            "message": f"use at least {period_days} (the SLO period) days"}])


async def read_history(telemetry: Telemetry, service_id: str, slo: SimulatedSlo,
                       window_days: int, now_s: int, forecast_days: int) -> SimulationHistory:
    step = telemetry.step_for(window_days * DAY_SECONDS, PREFERRED_STEP_SECONDS)
    align = math.lcm(step, COUNT_STEP_SECONDS, LATENCY_STEP_SECONDS)
    end = now_s // align * align
    start = end - window_days * DAY_SECONDS
    latency_step = max(step, LATENCY_STEP_SECONDS)
    (total, failed), histogram = await asyncio.gather(
        telemetry.request_counts(service_id, start + step, end, step),
        telemetry.latency_histogram(service_id, start + latency_step, end, latency_step)
        if slo.targets.latency_seconds else _nothing())
    requests = EventSeries(start, step, total, failed)
    days = _check_length(service_id, requests, window_days)
    forecast = await _forecast_counts(telemetry, service_id, requests,
                                      min(window_days, forecast_days))
    latency = (None if histogram is None
               else LatencyHistogram(start, latency_step, histogram[0], histogram[1]))
    return SimulationHistory(requests, forecast, latency, days)


def _check_length(service_id: str, requests: EventSeries, window_days: int) -> float:
    """Days from the first step with data to the window's end; InsufficientHistory when
    that falls more than a day short of the window."""
    present = np.flatnonzero(~np.isnan(np.asarray(requests.total, dtype=float)))
    if present.size == 0:
        raise InsufficientHistory(service_id, window_days, 0.0, None)
    first_s = requests.start_s + int(present[0]) * requests.step_s
    days = (requests.end_s - first_s) / DAY_SECONDS
    if days < window_days - SHORTFALL_DAYS:
        raise InsufficientHistory(service_id, window_days, days, first_s * 1000)
    return days


async def _forecast_counts(telemetry: Telemetry, service_id: str, requests: EventSeries,
                           days: int) -> EventSeries:
    steps = days * DAY_SECONDS // COUNT_STEP_SECONDS
    start = requests.end_s - days * DAY_SECONDS
    if COUNT_STEP_SECONDS % requests.step_s == 0:
        factor = COUNT_STEP_SECONDS // requests.step_s
        kept = steps * factor
        return EventSeries(start, COUNT_STEP_SECONDS, _summed(requests.total[-kept:], factor),
                           _summed(requests.bad[-kept:], factor))
    total, failed = await telemetry.request_counts(
        service_id, start + COUNT_STEP_SECONDS, requests.end_s, COUNT_STEP_SECONDS)
    return EventSeries(start, COUNT_STEP_SECONDS, total, failed)


def _summed(values: np.ndarray, factor: int) -> np.ndarray:
    """Sums of `factor` consecutive steps; NaN where none of them has data."""
    groups = np.asarray(values, dtype=float).reshape(-1, factor)
    missing = np.isnan(groups).all(axis=1)
    summed: np.ndarray = np.where(missing, np.nan, np.nansum(groups, axis=1))
    return summed


async def _nothing() -> None:
    return None
