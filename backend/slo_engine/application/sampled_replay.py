"""The dry run's fast path: an SLI's raw counter samples read once (the failed and total
selectors its rules read, over the replayed range plus the longest alert window), every
alert's expression evaluated from them in process (domain/burn_evaluation.py, exactly as
Prometheus 2.42 evaluates it), and the result run through the alert state machine.

Asking Prometheus to evaluate the expanded expressions instead recomputes `rate` over
windows up to 3 days at every evaluation step: seconds of its CPU per SLO.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from slo_engine.application.telemetry_ports import RawSamples
from slo_engine.domain.alert_replay import AlertReplay, replay_alert
from slo_engine.domain.burn_evaluation import (
    LOOKBACK_SECONDS,
    BurnEvaluation,
    SliCounters,
    step_counts,
)
from slo_engine.generators.alert_expansion import ExpandedAlert
from slo_engine.generators.alert_rules import ABSENT_ALERT, BURN_ALERT, burn_pairs
from slo_engine.generators.alert_windows import AlertWindows
from slo_engine.generators.sli_rules import sli_selectors
from slo_engine.generators.slo_spec import SloSpec

Counts = tuple[np.ndarray, np.ndarray, np.ndarray]  # step ends (s), failed, all requests


@dataclass(frozen=True)
class SampledSli:
    """One SLI replayed from its samples: a replay per alert (in order) and the requests
    per budget step."""

    replays: list[AlertReplay]
    counts: Counts


def steps(start_s: int, end_s: int, step_s: int) -> np.ndarray:
    """start, start + step, ... <= end (a range query's evaluation times)."""
    return np.arange(start_s, end_s + 1, step_s, dtype=np.int64)


def steps_back_from(start_s: int, end_s: int, step_s: int) -> np.ndarray:
    """Whole steps laid back from the end, none before start (the latest minutes count)."""
    return steps(end_s - (end_s - start_s) // step_s * step_s, end_s, step_s)


def longest_window_seconds(windows: AlertWindows, counts_step_s: int) -> int:
    """How far before the first evaluation the expressions read samples."""
    longs = [p.long_seconds for s in windows.severities for p in s.pairs]
    return max([*longs, counts_step_s, LOOKBACK_SECONDS])


class SampledReplay:
    """Knows how to replay an SLI's generated alerts from its raw counter samples."""

    def __init__(self, samples: RawSamples, min_events: int, counts_step_s: int) -> None:
        self._samples = samples
        self._min_events = min_events
        self._counts_step_s = counts_step_s

    async def replay(self, spec: SloSpec, windows: AlertWindows,
                     alerts: Sequence[ExpandedAlert], interval: Callable[[ExpandedAlert], int],
                     start_s: int, end_s: int) -> SampledSli:
        reach = longest_window_seconds(windows, self._counts_step_s)
        counters = await self.counters(spec, start_s - reach, end_s)
        firing = self.firing(counters, spec, windows, alerts, interval, (start_s, end_s))
        replays = [replay_alert(stamps, active, interval(alert), alert.for_seconds,
                                alert.keep_firing_for_seconds)
                   for alert, (stamps, active) in zip(alerts, firing, strict=True)]
        at = steps_back_from(start_s, end_s, self._counts_step_s)
        failed, total = step_counts(counters, at * 1000, self._counts_step_s)
        return SampledSli(replays, (at, failed, total))

    def firing(self, counters: SliCounters, spec: SloSpec, windows: AlertWindows,
               alerts: Sequence[ExpandedAlert], interval: Callable[[ExpandedAlert], int],
               span_s: tuple[int, int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per alert, its evaluation times (s) in the span and whether its expression
        returned a series at each; one evaluation (and each window's ratio once) per
        interval."""
        evaluations: dict[int, BurnEvaluation] = {}
        found = []
        for alert in alerts:
            every = interval(alert)
            if every not in evaluations:
                evaluations[every] = BurnEvaluation(counters, steps(*span_s, every) * 1000)
            evaluation = evaluations[every]
            found.append((evaluation.at_ms // 1000,
                          self._firing(evaluation, spec, windows, alert)))
        return found

    async def counters(self, spec: SloSpec, start_s: int, end_s: int) -> SliCounters:
        """The raw series of the SLI's failed and total selectors in [start, end]."""
        selectors = sli_selectors(spec)
        failed, total = await asyncio.gather(
            self._samples.raw_series(selectors.failed, start_s, end_s),
            self._samples.raw_series(selectors.total, start_s, end_s))
        return SliCounters(failed, total, spec.latency is not None)

    def _firing(self, evaluation: BurnEvaluation, spec: SloSpec, windows: AlertWindows,
                alert: ExpandedAlert) -> np.ndarray:
        if alert.alert == ABSENT_ALERT:
            return evaluation.absent_firing()
        if alert.alert != BURN_ALERT:
            raise ValueError(f"{alert.alert}: no evaluation from samples is known")
        severity = next(s for s in windows.severities if s.severity == alert.severity)
        return evaluation.burn_firing(burn_pairs(spec, severity), self._min_events)
