"""Alert dry-run on history (issue 18, item 10): every alert generated for a service's
active SLO replayed over the last days of its telemetry, before anyone loads the rules.

Each alert's expression, with the recording rules it reads put inline (they are not in
Prometheus yet), is evaluated at its group's interval and run through Prometheus's alert
state machine (domain/alert_replay.py). Given a RawSamples port, the expressions are
evaluated in process from the SLI's raw counter samples, read once
(application/sampled_replay.py); without one, by range queries of the expanded
expressions (exact too, but Prometheus recomputes every window at every step). The
result says per alert and per severity how often and how long it would have fired, and
for each SLO period of the history whether the error budget ran out and how long before
(or after) that it paged.

When Prometheus does not answer (down, past the deadline, or refusing a query), the dry
run degrades to syntax only: promtool checks the rules and their expanded alerts, and the
result says `degraded` and why. It never fails for want of telemetry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

import numpy as np

from slo_engine.application.ports import Clock, RuleCheck
from slo_engine.application.sampled_replay import Counts, SampledReplay, steps_back_from
from slo_engine.application.slo_rule_files import RULE_FILE_NAME, SloRuleFiles
from slo_engine.application.telemetry_ports import RangeQueries, RawSamples
from slo_engine.domain.alert_replay import (
    AlertReplay,
    PeriodJudgement,
    SeveritySummary,
    judge_periods,
    replay_alert,
    summarise,
)
from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.generators.alert_expansion import ExpandedAlert, budget_queries, expanded_alerts
from slo_engine.generators.alert_rules import BURN_ALERT
from slo_engine.generators.rule_model import AlertingRule, RuleGroup, rule_file_text
from slo_engine.generators.rule_pipeline import rule_file_header
from slo_engine.generators.slo_spec import SloSpec

EXPANDED_FILE_NAME = "expanded-alerts.yaml"
T = TypeVar("T")


@dataclass(frozen=True)
class DryRunOptions:
    days: int = 30
    interval_seconds: int = 60  # alert groups without their own interval (the global one)
    counts_step_seconds: int = 300  # requests and failures per step, for the budget
    deadline_seconds: float = 20.0  # past it, the dry run is syntax only


class DryRunMethod(StrEnum):
    REPLAY = "replay"  # evaluated on history through the alert state machine
    SYNTAX_ONLY = "syntax-only"  # Prometheus did not answer: promtool check rules only


@dataclass(frozen=True)
class AlertDryRun:
    """One generated alert of one SLI; `replay` is None in a syntax-only dry run."""

    alert: str
    sli: str
    severity: str
    expr: str  # with the recording rules inline
    for_seconds: int
    keep_firing_for_seconds: int
    interval_seconds: int
    replay: AlertReplay | None = None


@dataclass(frozen=True)
class SliPeriods:
    """The SLO periods of one SLI's history, judged against its page alert."""

    sli: str
    period_days: int
    budget_ratio: float
    periods: tuple[PeriodJudgement, ...]


@dataclass(frozen=True)
class DryRunResult:
    service_id: str
    slo_id: str
    slo_version: int
    method: DryRunMethod
    start_s: int
    end_s: int
    alerts: tuple[AlertDryRun, ...]
    severities: tuple[SeveritySummary, ...] = ()
    periods: tuple[SliPeriods, ...] = ()
    degraded: bool = False
    reason: str | None = None  # why the dry run is syntax only
    syntax: RuleCheck | None = None  # promtool's verdict when syntax only (None: no promtool)
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def days(self) -> float:
        return (self.end_s - self.start_s) / DAY_SECONDS


@dataclass(frozen=True)
class _Sli:
    spec: SloSpec
    alerts: tuple[ExpandedAlert, ...]
    page_severity: str
    warnings: tuple[str, ...]


async def _all(*awaitables: Awaitable[T]) -> list[T]:
    """asyncio.gather that cancels the others when one fails: a dry run given up on
    leaves no query running."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class DryRunAlerts:
    """Knows how to replay a service's generated alerts on its recent history."""

    def __init__(self, rule_files: SloRuleFiles, queries: RangeQueries, clock: Clock,
                 options: DryRunOptions | None = None, samples: RawSamples | None = None
                 ) -> None:
        self._rule_files = rule_files
        self._queries = queries
        self._clock = clock
        self._options = options or DryRunOptions()
        self._sampled = None if samples is None else SampledReplay(
            samples, rule_files.options.alerts.min_events, self._options.counts_step_seconds)

    async def run(self, service_id: str, days: int | None = None) -> DryRunResult:
        """The last `days` (default: the options') up to now, at whole intervals.
        Raises ServiceNotFound, ActiveSloNotFound, InvalidInput as SloRuleFiles does."""
        return await self.replay_specs(self._rule_files.specs(service_id), days)

    async def replay_specs(self, specs: Sequence[SloSpec], days: int | None = None
                           ) -> DryRunResult:
        """These SLIs over the last `days` up to now, at whole intervals."""
        interval = self._options.interval_seconds
        end_s = self._clock.now_ms() // 1000 // interval * interval
        start_s = end_s - (days or self._options.days) * DAY_SECONDS
        return await self.replay(specs, start_s, end_s)

    async def replay(self, specs: Sequence[SloSpec], start_s: int, end_s: int
                     ) -> DryRunResult:
        """The SLIs of one SLO version replayed from start to end (epoch seconds)."""
        slis = [self._sli(spec) for spec in specs]
        try:
            async with asyncio.timeout(self._options.deadline_seconds):
                replayed = await _all(*(self._replay_sli(sli, start_s, end_s)
                                        for sli in slis))
        except (DependencyUnavailable, TelemetryQueryRejected, TimeoutError) as error:
            return await self._syntax_only(slis, start_s, end_s, self._reason(error))
        alerts = tuple(a for sli_alerts, _ in replayed for a in sli_alerts)
        return DryRunResult(
            specs[0].service_id, specs[0].slo_id, specs[0].version, DryRunMethod.REPLAY,
            start_s, end_s, alerts, _by_severity(alerts),
            tuple(periods for _, periods in replayed), warnings=_warnings(slis))

    def _sli(self, spec: SloSpec) -> _Sli:
        generated = self._rule_files.generated([spec])
        windows = self._rule_files.windows[spec.period_days]
        return _Sli(spec, expanded_alerts(generated.groups), windows.fastest_page.severity,
                    generated.warnings)

    def _interval(self, alert: ExpandedAlert) -> int:
        return alert.interval_seconds or self._options.interval_seconds

    async def _replay_sli(self, sli: _Sli, start_s: int, end_s: int
                          ) -> tuple[list[AlertDryRun], SliPeriods]:
        if self._sampled is None:
            replays = await _all(*(self._replay_alert(a, start_s, end_s) for a in sli.alerts))
            counts = await self._queried_counts(sli.spec, start_s, end_s)
        else:
            sampled = await self._sampled.replay(
                sli.spec, self._rule_files.windows[sli.spec.period_days], sli.alerts,
                self._interval, start_s, end_s)
            replays, counts = sampled.replays, sampled.counts
        alerts = [self._dry_run(sli.spec, a, r) for a, r in zip(sli.alerts, replays,
                                                                 strict=True)]
        pages = [a.replay for a in alerts if a.replay is not None and a.alert == BURN_ALERT
                 and a.severity == sli.page_severity]
        return alerts, self._periods(sli.spec, pages, counts, start_s, end_s)

    async def _replay_alert(self, alert: ExpandedAlert, start_s: int, end_s: int
                            ) -> AlertReplay:
        interval = self._interval(alert)
        stamps, values = await self._queries.range_values(alert.expr, start_s, end_s,
                                                          interval)
        return replay_alert(stamps, ~np.isnan(values), interval, alert.for_seconds,
                            alert.keep_firing_for_seconds)

    def _dry_run(self, spec: SloSpec, alert: ExpandedAlert, replay: AlertReplay | None
                 ) -> AlertDryRun:
        return AlertDryRun(alert.alert, spec.sli_name, alert.severity, alert.expr,
                           alert.for_seconds, alert.keep_firing_for_seconds,
                           self._interval(alert), replay)

    async def _queried_counts(self, spec: SloSpec, start_s: int, end_s: int) -> Counts:
        """Requests per step by range queries, the steps laid back from the end."""
        step = self._options.counts_step_seconds
        queries = budget_queries(spec, step)
        first = int(steps_back_from(start_s, end_s, step)[0])
        (stamps, failed), (_, total) = await _all(
            self._queries.range_values(queries.failed, first, end_s, step),
            self._queries.range_values(queries.total, first, end_s, step))
        return stamps, failed, total

    def _periods(self, spec: SloSpec, pages: list[AlertReplay], counts: Counts,
                 start_s: int, end_s: int) -> SliPeriods:
        stamps, failed, total = counts
        judged = judge_periods(stamps, failed, total, (start_s, end_s),
                               spec.period_days * DAY_SECONDS, spec.error_budget_ratio, pages)
        return SliPeriods(spec.sli_name, spec.period_days, spec.error_budget_ratio, judged)

    def _reason(self, error: Exception) -> str:
        if isinstance(error, TimeoutError):
            return (f"the metrics store (Prometheus) did not answer the dry run within "
                    f"{self._options.deadline_seconds:g} s")
        return str(error)

    async def _syntax_only(self, slis: list[_Sli], start_s: int, end_s: int, reason: str
                           ) -> DryRunResult:
        specs = [sli.spec for sli in slis]
        alerts = tuple(self._dry_run(sli.spec, a, None) for sli in slis for a in sli.alerts)
        verdict = await self._check_syntax(specs, slis)
        return DryRunResult(specs[0].service_id, specs[0].slo_id, specs[0].version,
                            DryRunMethod.SYNTAX_ONLY, start_s, end_s, alerts, degraded=True,
                            reason=reason, syntax=verdict, warnings=_warnings(slis))

    async def _check_syntax(self, specs: list[SloSpec], slis: list[_Sli]
                            ) -> RuleCheck | None:
        """promtool over the rule file and the expanded alerts (one group per SLI)."""
        checker = self._rule_files.checker
        if checker is None:
            return None
        files = {RULE_FILE_NAME: self._rule_files.files(specs).rules,
                 EXPANDED_FILE_NAME: expanded_rule_file(
                     [(sli.spec.rule_id, sli.alerts) for sli in slis], specs)}
        return await asyncio.to_thread(checker.check_rules, files)


def _warnings(slis: Sequence[_Sli]) -> tuple[str, ...]:
    return tuple(w for sli in slis for w in sli.warnings)


def expanded_rule_file(alerts: Sequence[tuple[str, Sequence[ExpandedAlert]]],
                       specs: Sequence[SloSpec]) -> str:
    """The expanded alerts as a rule file promtool can check: a group per rule id."""
    groups = [RuleGroup(f"slo-dry-run-{rule_id}", tuple(
        AlertingRule(a.alert, a.expr, a.labels, for_seconds=a.for_seconds,
                     keep_firing_for_seconds=a.keep_firing_for_seconds) for a in expanded),
        expanded[0].interval_seconds if expanded else None)
        for rule_id, expanded in alerts]
    return rule_file_text(groups, rule_file_header(specs) + "\nexpanded for a dry run")


def _by_severity(alerts: Sequence[AlertDryRun]) -> tuple[SeveritySummary, ...]:
    severities = list(dict.fromkeys(a.severity for a in alerts))
    return tuple(summarise(severity, [a.replay for a in alerts if a.severity == severity
                                      and a.replay is not None])
                 for severity in severities)
