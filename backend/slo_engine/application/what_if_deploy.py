"""The deploy what-if (issue 19 item 2): the service's history before and after a deploy
marker compared (domain/deploy_comparison.py), the marker being

- a time;
- the last change of an annotation series within the window (the value of, say,
  `kube_deployment_status_observed_generation{deployment="checkout"}` or a deploy
  counter, summed over the series the selector matches, every 5 minutes: the marker is
  the middle of the 5 minutes in which it moved);
- a drift the engine confirmed (its `drift_triggered` audit event; the detectors confirm
  a shift within about 15 minutes to 2 hours of it, so the marker is late by that much).

Hourly request counts and the request-duration histogram over `historical_window_days`
up to the last whole hour; each side is at most `compare_days` long and needs at least
a day with traffic.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from slo_engine.application.ports import Clock, SloLedger
from slo_engine.application.telemetry_ports import RangeQueries, Telemetry
from slo_engine.application.what_if_words import deploy_in_words
from slo_engine.domain.deploy_comparison import (
    HOUR_S,
    DeployComparison,
    HourlyHistory,
    Side,
    compare,
    split_at,
)
from slo_engine.domain.errors import InvalidInput
from slo_engine.domain.promql_text import selector
from slo_engine.domain.time_units import DAY_SECONDS

MIN_SIDE_HOURS = 24
ANNOTATION_STEP_S = 300
DRIFT_EVENTS_READ = 1000  # the newest audit events of the service searched for drift
CHANGES_SHOWN = 20
MarkerSource = Literal["timestamp", "annotation", "drift_event"]


@dataclass(frozen=True)
class DeployMarker:
    """Exactly one of at_s, annotation_metric or drift_event."""

    pointer: str  # the request field naming the marker, for problems
    at_s: int | None = None
    annotation_metric: str | None = None
    annotation_labels: dict[str, str] = field(default_factory=dict)
    drift_event: int | Literal["latest"] | None = None
    compare_days: int = 7


@dataclass(frozen=True)
class ResolvedMarker:
    source: MarkerSource
    at_s: int
    series: str | None = None  # the annotation selector
    audit_sequence: int | None = None  # the drift event's
    changes_found: tuple[int, ...] = ()  # every change of the annotation series, newest last


@dataclass(frozen=True)
class DeployWhatIf:
    marker: ResolvedMarker
    comparison: DeployComparison
    history_start_s: int
    history_end_s: int
    summary: str


class WhatIfDeploy:
    def __init__(self, telemetry: Telemetry, ranges: RangeQueries, ledger: SloLedger,
                 clock: Clock) -> None:
        self._telemetry = telemetry
        self._ranges = ranges
        self._ledger = ledger
        self._clock = clock

    async def answer(self, service_id: str, marker: DeployMarker, window_days: int,
                     seed: int) -> DeployWhatIf:
        end = self._clock.now_ms() // 1000 // HOUR_S * HOUR_S
        start = end - window_days * DAY_SECONDS
        resolved = await self._resolve(service_id, marker, start, end)
        _check_inside(marker, resolved, start, end, window_days)
        history = await self._hourly(service_id, start, end)
        before, after = split_at(history, resolved.at_s, marker.compare_days * 24)
        for side, name in ((before, "before"), (after, "after")):
            _check_side(marker, resolved, side, name)
        comparison = await asyncio.to_thread(compare, history, before, after, resolved.at_s,
                                             np.random.default_rng(seed))
        return DeployWhatIf(resolved, comparison, start, end,
                            deploy_in_words(comparison, _iso(resolved.at_s)))

    async def _resolve(self, service_id: str, marker: DeployMarker, start: int, end: int
                       ) -> ResolvedMarker:
        if marker.at_s is not None:
            return ResolvedMarker("timestamp", marker.at_s)
        if marker.annotation_metric is not None:
            return await self._annotation(marker, start, end)
        return await asyncio.to_thread(self._drift, service_id, marker)

    async def _annotation(self, marker: DeployMarker, start: int, end: int
                          ) -> ResolvedMarker:
        series = selector(str(marker.annotation_metric), marker.annotation_labels)
        stamps, values = await self._ranges.range_values(
            f"sum({series})", start + ANNOTATION_STEP_S, end, ANNOTATION_STEP_S)
        changed = value_changes(stamps, values, ANNOTATION_STEP_S)
        if not changed:
            raise InvalidInput(f"{series} does not change within the window.", [{
                "pointer": marker.pointer, "message": (
                    "name a series whose value changes at deploys (a generation or "
                    "revision gauge, a deploy counter), or give `at`")}])
        return ResolvedMarker("annotation", changed[-1], series,
                              changes_found=tuple(changed[-CHANGES_SHOWN:]))

    def _drift(self, service_id: str, marker: DeployMarker) -> ResolvedMarker:
        events = [e for e in self._ledger.service_audit_events(service_id, DRIFT_EVENTS_READ)
                  if e.content.get("action") == "drift_triggered"]
        if marker.drift_event != "latest":
            events = [e for e in events if e.sequence == marker.drift_event]
        if not events:
            raise InvalidInput("No such drift event of this service is recorded.", [{
                "pointer": marker.pointer, "message": (
                    "use \"latest\" or the audit sequence of one of its drift_triggered "
                    "events (GET /services/{id}/slo-history)")}])
        event = events[0]  # newest first
        return ResolvedMarker("drift_event", int(event.content["occurred_at"]) // 1000,
                              audit_sequence=event.sequence)

    async def _hourly(self, service_id: str, start: int, end: int) -> HourlyHistory:
        (total, failed), (bounds, counts) = await asyncio.gather(
            self._telemetry.request_counts(service_id, start + HOUR_S, end, HOUR_S),
            self._telemetry.latency_histogram(service_id, start + HOUR_S, end, HOUR_S))
        has_histogram = np.asarray(bounds).size > 0
        return HourlyHistory(start, np.asarray(total, dtype=float),
                             np.asarray(failed, dtype=float),
                             np.asarray(bounds, dtype=float) if has_histogram else None,
                             np.asarray(counts, dtype=float) if has_histogram else None)


def value_changes(stamps: np.ndarray, values: np.ndarray, step_s: int) -> list[int]:
    """The middle of each step in which the value differs from the last known one
    before it (steps without a value are skipped)."""
    known = np.flatnonzero(np.isfinite(values))
    moved = known[1:][values[known[1:]] != values[known[:-1]]]
    return [int(stamps[k]) - step_s // 2 for k in moved]


def _check_inside(marker: DeployMarker, resolved: ResolvedMarker, start: int, end: int,
                  window_days: int) -> None:
    if start < resolved.at_s < end:
        return
    raise InvalidInput(f"The deploy marker ({_iso(resolved.at_s)}) is outside the history "
                       f"read ({_iso(start)} to {_iso(end)}).", [{
                           "pointer": marker.pointer, "message": (
                               f"the history runs from {_iso(start)} to {_iso(end)} "
                               f"(historical_window_days={window_days}); choose a marker "
                               "inside it or widen the window")}])


def _check_side(marker: DeployMarker, resolved: ResolvedMarker, side: Side, name: str
                ) -> None:
    if side.hours_with_traffic >= MIN_SIDE_HOURS:
        return
    found = ""
    if len(resolved.changes_found) > 1:
        found = "; the series also changed at " + ", ".join(
            _iso(t) for t in resolved.changes_found[:-1][-5:])
    raise InvalidInput(f"Too little history {name} the deploy marker "
                       f"({_iso(resolved.at_s)}) to compare.", [{
                           "pointer": marker.pointer, "message": (
                               f"{side.hours_with_traffic} hours with traffic exist {name} "
                               f"it ({_iso(side.start_s)} to {_iso(side.end_s)}); at least "
                               f"{MIN_SIDE_HOURS} are needed on each side{found}")}])


def _iso(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
