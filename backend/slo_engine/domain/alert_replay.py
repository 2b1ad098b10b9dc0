"""An alerting rule replayed on history: Prometheus's alert state machine over the answers
its expression gave at each evaluation of its group, and what a person wants to know of
the result (how often it would have fired, for how long, and whether it paged before the
SLO's error budget ran out).

The state machine is rules/alerting.go `AlertingRule.Eval` (Prometheus 2.42):
- an evaluation whose expression returns the alert's series makes an inactive alert
  pending, active since that evaluation; a pending alert fires at the first evaluation at
  least `for` after it became active (at once when `for` is 0);
- an evaluation without the series drops a pending alert; a firing one resolves there,
  unless `keep_firing_for` holds it: from the first evaluation without the series it
  keeps firing while less than keep_firing_for has passed, and the series coming back in
  that time (or at the evaluation where the time runs out) keeps the same episode going.
The replay starts with every alert inactive (history before it is not replayed). Each
evaluation's state holds until the next one: an episode fires for (resolved - fired)
seconds, one still firing at the end until one interval past the last evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WEEK_SECONDS = 7 * 86_400


@dataclass(frozen=True)
class AlertEpisode:
    active_since_s: int  # the evaluation that made it pending
    fired_s: int
    resolved_s: int | None  # None: still firing at the end of the replay


@dataclass(frozen=True)
class AlertReplay:
    """One alert's episodes between the first and last evaluation replayed."""

    episodes: tuple[AlertEpisode, ...]
    start_s: int
    end_s: int  # the last evaluation
    interval_seconds: int

    @property
    def firing_seconds(self) -> int:
        until_end = self.end_s + self.interval_seconds
        return sum((e.resolved_s if e.resolved_s is not None else until_end) - e.fired_s
                   for e in self.episodes)

    def firing_at(self, at_s: int) -> bool:
        return any(e.fired_s <= at_s and (e.resolved_s is None or at_s < e.resolved_s)
                   for e in self.episodes)


def _runs(active: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each stretch of True."""
    padded = np.concatenate(([False], active.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _first_at_or_after(stamps: np.ndarray, at_s: float, lo: int) -> int:
    return max(lo, int(np.searchsorted(stamps, at_s, side="left")))


def _resolution(stamps: np.ndarray, cleared: int, keep_firing_for_seconds: int) -> int:
    """The index of the evaluation that resolves an alert whose series went missing at
    index `cleared` and stayed missing (len(stamps): not within the replay)."""
    return _first_at_or_after(stamps, stamps[cleared] + keep_firing_for_seconds, cleared)


def replay_alert(timestamps: np.ndarray, active: np.ndarray, interval_seconds: int,
                 for_seconds: int = 0, keep_firing_for_seconds: int = 0) -> AlertReplay:
    """`active[k]`: the expression returned the alert's series at evaluation
    `timestamps[k]` (ascending, one group interval apart; at least one)."""
    stamps = np.asarray(timestamps, dtype=np.int64)
    episodes: list[AlertEpisode] = []
    firing: tuple[int, int] | None = None  # (active since, fired) of the open episode
    last = -1  # the last index of the previous run
    for first, final in _runs(np.asarray(active)):
        if firing is not None:
            resolved = _resolution(stamps, last + 1, keep_firing_for_seconds)
            if resolved < first:
                episodes.append(AlertEpisode(*firing, int(stamps[resolved])))
                firing = None
        if firing is None:
            fires = _first_at_or_after(stamps, stamps[first] + for_seconds, first)
            if fires <= final:
                firing = (int(stamps[first]), int(stamps[fires]))
        last = final
    if firing is not None:
        episodes.append(AlertEpisode(*firing, _resolved_by_end(stamps, last,
                                                               keep_firing_for_seconds)))
    return AlertReplay(tuple(episodes), int(stamps[0]), int(stamps[-1]), interval_seconds)


def _resolved_by_end(stamps: np.ndarray, last: int, keep_firing_for_seconds: int
                     ) -> int | None:
    """When an alert whose series was last returned at index `last` resolved, if it did
    before the replay ended."""
    if last + 1 >= stamps.size:
        return None
    resolved = _resolution(stamps, last + 1, keep_firing_for_seconds)
    return int(stamps[resolved]) if resolved < stamps.size else None


@dataclass(frozen=True)
class SeveritySummary:
    """Every replayed alert of one severity (pages, tickets) taken together."""

    severity: str
    episodes: int
    firing_seconds: int
    first_fired_s: int | None
    last_firing_s: int | None  # the last evaluation at which one was firing
    episodes_per_week: float


def _last_firing(replay: AlertReplay) -> int | None:
    if not replay.episodes:
        return None
    resolved = replay.episodes[-1].resolved_s
    return replay.end_s if resolved is None else resolved - replay.interval_seconds


def summarise(severity: str, replays: Sequence[AlertReplay]) -> SeveritySummary:
    """Episodes per week over the replayed span (first to last evaluation: 30 days for
    evaluations from 30 days ago to now)."""
    episodes = [e for r in replays for e in r.episodes]
    lasts = [s for s in (_last_firing(r) for r in replays) if s is not None]
    span = max((r.end_s - r.start_s for r in replays), default=0)
    return SeveritySummary(
        severity, len(episodes), sum(r.firing_seconds for r in replays),
        min((e.fired_s for e in episodes), default=None), max(lasts, default=None),
        round(len(episodes) * WEEK_SECONDS / span, 6) if span else 0.0)


@dataclass(frozen=True)
class PeriodJudgement:
    """One SLO period of the history: whether its budget ran out and the page came."""

    start_s: int  # exclusive: the period holds the steps after it
    end_s: int
    complete: bool  # False: the history is shorter than one period
    failed: float
    total: float
    exhausted_s: int | None  # the step whose failures made failed > budget x total
    first_page_s: int | None  # the first time a page was firing in the period

    @property
    def breached(self) -> bool:
        return self.exhausted_s is not None

    @property
    def paged(self) -> bool:
        return self.first_page_s is not None

    @property
    def page_lead_seconds(self) -> int | None:
        """How long before the budget ran out the page came (negative: after)."""
        if self.exhausted_s is None or self.first_page_s is None:
            return None
        return self.exhausted_s - self.first_page_s


def period_bounds(start_s: int, end_s: int, period_seconds: int
                  ) -> list[tuple[int, int, bool]]:
    """Whole periods laid back from the history's end, oldest first; a history shorter
    than one period is one incomplete period."""
    count = (end_s - start_s) // period_seconds
    if count == 0:
        return [(start_s, end_s, False)]
    return [(end_s - (k + 1) * period_seconds, end_s - k * period_seconds, True)
            for k in reversed(range(count))]


def first_firing_between(replay: AlertReplay, start_s: int, end_s: int) -> int | None:
    """The first time in (start, end] at which the alert was firing."""
    times = [max(e.fired_s, start_s) for e in replay.episodes
             if e.fired_s <= end_s and (e.resolved_s is None or e.resolved_s > start_s)]
    return min(times, default=None)


def judge_period(stamps: np.ndarray, failed: np.ndarray, total: np.ndarray,
                 bounds: tuple[int, int, bool], budget_ratio: float,
                 pages: Sequence[AlertReplay]) -> PeriodJudgement:
    """`failed[k]`, `total[k]`: requests in the step ending at `stamps[k]` (NaN: none).
    The budget is budget_ratio x every request of the period; it runs out at the first
    step after which more requests had failed than that."""
    start_s, end_s, complete = bounds
    inside = (stamps > start_s) & (stamps <= end_s)
    errors = np.nan_to_num(np.asarray(failed, dtype=float)[inside])
    requests = float(np.nansum(np.asarray(total, dtype=float)[inside]))
    over = np.flatnonzero(np.cumsum(errors) > budget_ratio * requests)
    exhausted = int(stamps[inside][over[0]]) if over.size else None
    page = min((s for s in (first_firing_between(r, start_s, end_s) for r in pages)
                if s is not None), default=None)
    return PeriodJudgement(start_s, end_s, complete, float(errors.sum()), requests,
                           exhausted, page)


def judge_periods(stamps: np.ndarray, failed: np.ndarray, total: np.ndarray,
                  span: tuple[int, int], period_seconds: int, budget_ratio: float,
                  pages: Sequence[AlertReplay]) -> tuple[PeriodJudgement, ...]:
    """Every SLO period of the history `span` (start, end), oldest first."""
    return tuple(judge_period(stamps, failed, total, bounds, budget_ratio, pages)
                 for bounds in period_bounds(span[0], span[1], period_seconds))
