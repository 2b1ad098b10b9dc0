"""A backtest of one SLI target over a window of history: every SLO period in it, as the
SLO would have been judged.

The history is good and bad events per step (bad: failed requests for availability,
requests slower than the threshold for latency). A period's error budget is
b x N events, b = 1 - target (rounded to 12 digits, so 99.9% allows exactly 0.001) and
N the period's requests; it is breached when its bad events B > b N, its budget use is
B / (b N), and it is exhausted at the end of the first step at which the bad events
counted from the period's start exceed b N (time to exhaustion: from the period's start).
A period without requests uses no budget and is not breached.

- Rolling periods end at the window's end and at every whole day before it, as long as
  the period fits in the window (W - D + 1 periods of D days in W days). Their daily
  budget-remaining series is 1 - use of the period ending at each of those days. A rolling
  breach runs from the end of the first step at which the trailing D days exceed their
  budget to the end of the first step at which they no longer do (None: still breached at
  the window's end), judged at every step.
- Calendar periods are whole UTC calendar months for a 30-day SLO, ISO weeks (from
  Monday 00:00 UTC) for a 7-day one, and four ISO weeks counted from Monday 1970-01-05
  for a 28-day one; only those wholly inside the window count. Their budget-remaining
  series is, at the end of every UTC day, 1 - (bad events so far in that day's period) /
  (the period's budget). A calendar breach runs from its period's exhaustion to its end.

Pure: numpy and the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from slo_engine.domain.time_units import DAY_SECONDS

Alignment = Literal["rolling", "calendar"]
ISO_WEEK_ORIGIN_S = 4 * DAY_SECONDS  # Monday 1970-01-05 00:00 UTC


@dataclass(frozen=True)
class EventSeries:
    """Events per step: step k covers [start_s + k step_s, start_s + (k + 1) step_s)."""

    start_s: int
    step_s: int
    total: np.ndarray
    bad: np.ndarray

    @property
    def end_s(self) -> int:
        return self.start_s + self.step_s * int(self.total.size)

    def cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        """Events before each step boundary (index j: before start_s + j step_s); steps
        without data count none."""
        total = np.nan_to_num(np.asarray(self.total, dtype=float))
        bad = np.minimum(np.nan_to_num(np.asarray(self.bad, dtype=float)), total)
        return (np.concatenate(([0.0], np.cumsum(total))),
                np.concatenate(([0.0], np.cumsum(bad))))


@dataclass(frozen=True)
class PeriodOutcome:
    start_s: int
    end_s: int
    requests: float
    bad_events: float
    budget_use_ratio: float | None  # B / (b N); None without requests
    exhausted_at_s: int | None  # set exactly when the period was breached

    @property
    def breached(self) -> bool:
        return self.exhausted_at_s is not None

    @property
    def time_to_exhaustion_s(self) -> int | None:
        return None if self.exhausted_at_s is None else self.exhausted_at_s - self.start_s


@dataclass(frozen=True)
class Breach:
    start_s: int
    end_s: int | None  # None: still breached at the window's end


@dataclass(frozen=True)
class BudgetPoint:
    at_s: int
    remaining_ratio: float | None  # None: no requests in the period


@dataclass(frozen=True)
class PeriodBacktest:
    alignment: Alignment
    periods: list[PeriodOutcome]
    breaches: list[Breach]
    budget_remaining: list[BudgetPoint]


@dataclass(frozen=True)
class Backtest:
    budget_ratio: float
    period_days: int
    rolling: PeriodBacktest
    calendar: PeriodBacktest


def budget_ratio_of(target_ratio: float) -> float:
    """b = 1 - target, to 12 digits (1 - 0.999 is 0.0010000000000000009 in binary)."""
    return round(1.0 - target_ratio, 12)


def backtest(series: EventSeries, target_ratio: float, period_days: int) -> Backtest:
    budget = budget_ratio_of(target_ratio)
    cumulative = series.cumulative()
    return Backtest(budget, period_days,
                    _rolling(series, cumulative, budget, period_days),
                    _calendar(series, cumulative, budget, period_days))


def _rolling(series: EventSeries, cumulative: tuple[np.ndarray, np.ndarray], budget: float,
             period_days: int) -> PeriodBacktest:
    per_day, span = DAY_SECONDS // series.step_s, period_days * DAY_SECONDS // series.step_s
    steps = series.total.size
    ends = np.arange(steps, span - 1, -per_day)[::-1]
    periods = period_outcomes(series, cumulative, ends - span, ends, budget)
    curve = [BudgetPoint(p.end_s, _remaining(p.budget_use_ratio)) for p in periods]
    return PeriodBacktest("rolling", periods, rolling_breaches(series, cumulative, budget,
                                                               span), curve)


def _calendar(series: EventSeries, cumulative: tuple[np.ndarray, np.ndarray], budget: float,
              period_days: int) -> PeriodBacktest:
    bounds = calendar_boundaries(series.start_s, series.end_s, period_days)
    starts = np.array([(b - series.start_s) // series.step_s for b in bounds[:-1]], dtype=int)
    ends = np.array([(b - series.start_s) // series.step_s for b in bounds[1:]], dtype=int)
    periods = period_outcomes(series, cumulative, starts, ends, budget)
    breaches = [Breach(p.exhausted_at_s, p.end_s) for p in periods
                if p.exhausted_at_s is not None]
    curve = [point for p in periods for point in _within_period(series, cumulative, p, budget)]
    return PeriodBacktest("calendar", periods, breaches, curve)


def period_outcomes(series: EventSeries, cumulative: tuple[np.ndarray, np.ndarray],
                    starts: np.ndarray, ends: np.ndarray, budget: float) -> list[PeriodOutcome]:
    """The periods [starts[i], ends[i]) in steps, all at once: exhaustion is the first
    boundary j with bad[j] > bad[start] + b N (searchsorted on the nondecreasing sums)."""
    total, bad = cumulative
    requests, bad_events = total[ends] - total[starts], bad[ends] - bad[starts]
    allowed = budget * requests
    first_over = np.searchsorted(bad, bad[starts] + allowed, side="right")
    outcomes = []
    for i, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        exhausted = int(first_over[i]) <= end and requests[i] > 0
        outcomes.append(PeriodOutcome(
            _time(series, start), _time(series, end), float(requests[i]),
            float(bad_events[i]), _use(float(bad_events[i]), float(allowed[i]), requests[i]),
            _time(series, int(first_over[i])) if exhausted else None))
    return outcomes


def rolling_breaches(series: EventSeries, cumulative: tuple[np.ndarray, np.ndarray],
                     budget: float, span: int) -> list[Breach]:
    """Runs of step boundaries at which the trailing `span` steps exceed their budget."""
    total, bad = cumulative
    if total.size <= span:
        return []
    window_total = total[span:] - total[:-span]
    over = (bad[span:] > bad[:-span] + budget * window_total) & (window_total > 0)
    edges = np.diff(np.concatenate(([0], over.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [Breach(_time(series, int(s) + span),
                   None if stop == over.size else _time(series, int(stop) + span))
            for s, stop in zip(starts, stops, strict=True)]


def _within_period(series: EventSeries, cumulative: tuple[np.ndarray, np.ndarray],
                   period: PeriodOutcome, budget: float) -> list[BudgetPoint]:
    _, bad = cumulative
    first = (period.start_s - series.start_s) // series.step_s
    allowed = budget * period.requests
    points = []
    for day_end in range(period.start_s + DAY_SECONDS, period.end_s + 1, DAY_SECONDS):
        spent = float(bad[(day_end - series.start_s) // series.step_s] - bad[first])
        points.append(BudgetPoint(day_end, _remaining(_use(spent, allowed, period.requests))))
    return points


def calendar_boundaries(start_s: int, end_s: int, period_days: int) -> list[int]:
    """Boundaries of the whole calendar periods inside [start_s, end_s] (the module
    docstring), ascending; fewer than two: no whole period."""
    if period_days == 30:
        return _month_boundaries(start_s, end_s)
    length = period_days * DAY_SECONDS
    first = ISO_WEEK_ORIGIN_S + -(-(start_s - ISO_WEEK_ORIGIN_S) // length) * length
    return list(range(first, end_s + 1, length))


def _month_boundaries(start_s: int, end_s: int) -> list[int]:
    moment = datetime.fromtimestamp(start_s, UTC)
    year, month = moment.year, moment.month
    if moment != datetime(year, month, 1, tzinfo=UTC):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    bounds = []
    while (edge := int(datetime(year, month, 1, tzinfo=UTC).timestamp())) <= end_s:
        bounds.append(edge)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return bounds


def _time(series: EventSeries, boundary: int) -> int:
    return series.start_s + boundary * series.step_s


def _use(spent: float, allowed: float, requests: float) -> float | None:
    if requests <= 0:
        return None
    return spent / allowed if allowed > 0 else (0.0 if spent == 0 else float("inf"))


def _remaining(use: float | None) -> float | None:
    return None if use is None else 1.0 - use
