"""The backtest on a history computed by hand (issue 19 item 5).

Two weeks from Monday 2024-01-01 00:00 UTC in 6-hour steps (four a day, 56 in all),
1,000 requests each; a 99% target over 7-day periods allows 280 bad events a period.
Bad events: 200 in step 13 (day 3, 06:00-12:00), 100 in step 30 and 250 in step 50.

Rolling periods end every day from day 7: [0, 28) ... [28, 56) in steps.
- [0, 28): 200 -> 200/280 used, kept.
- [4, 32), [8, 36), [12, 40): 200 + 100 = 300 > 280, exhausted at the end of step 30
  (boundary 31): 27, 23 and 19 steps of 6 hours after their starts.
- [16, 44), [20, 48): 100.
- [24, 52), [28, 56): 100 + 250 = 350, exhausted at boundary 51: 27 and 23 steps in.
Judged at every step, the trailing 28 steps hold 300 from boundary 31 to 41 and 350 from
boundary 51 on: breaches [31, 42) and [51, still breached).
Calendar (ISO) weeks: [0, 28) used 200/280; [28, 56) used 350/280, exhausted at 51.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from slo_engine.domain.backtest import (
    Breach,
    BudgetPoint,
    EventSeries,
    backtest,
    budget_ratio_of,
    calendar_boundaries,
)

MONDAY = 1_704_067_200  # 2024-01-01 00:00 UTC
STEP = 6 * 3600
DAY = 86_400


def at(boundary: int) -> int:
    return MONDAY + boundary * STEP


def hand_computed() -> EventSeries:
    bad = np.zeros(56)
    bad[13], bad[30], bad[50] = 200.0, 100.0, 250.0
    return EventSeries(MONDAY, STEP, np.full(56, 1000.0), bad)


def epoch(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())


def test_a_target_of_99_9_percent_allows_exactly_a_thousandth() -> None:
    assert budget_ratio_of(0.999) == 0.001
    assert budget_ratio_of(0.99) == 0.01


def test_rolling_periods_end_every_day_from_the_first_whole_period() -> None:
    rolling = backtest(hand_computed(), 0.99, 7).rolling
    assert [(p.start_s, p.end_s) for p in rolling.periods] == [
        (at(start), at(start + 28)) for start in range(0, 29, 4)]
    assert [p.bad_events for p in rolling.periods] == [200, 300, 300, 300, 100, 100, 350, 350]
    assert [p.requests for p in rolling.periods] == [28_000] * 8
    assert [p.budget_use_ratio for p in rolling.periods] == [
        200 / 280, 300 / 280, 300 / 280, 300 / 280, 100 / 280, 100 / 280, 350 / 280,
        350 / 280]


def test_a_breached_rolling_period_is_exhausted_when_its_bad_events_pass_the_budget() -> None:
    rolling = backtest(hand_computed(), 0.99, 7).rolling
    assert [p.breached for p in rolling.periods] == [False, True, True, True, False, False,
                                                     True, True]
    assert [p.exhausted_at_s for p in rolling.periods] == [
        None, at(31), at(31), at(31), None, None, at(51), at(51)]
    assert [p.time_to_exhaustion_s for p in rolling.periods] == [
        None, 27 * STEP, 23 * STEP, 19 * STEP, None, None, 27 * STEP, 23 * STEP]


def test_rolling_breaches_run_from_the_step_the_budget_is_passed_to_the_step_it_is_not(
) -> None:
    assert backtest(hand_computed(), 0.99, 7).rolling.breaches == [
        Breach(at(31), at(42)), Breach(at(51), None)]


def test_the_rolling_budget_remaining_is_one_less_the_use_of_each_days_period() -> None:
    curve = backtest(hand_computed(), 0.99, 7).rolling.budget_remaining
    assert curve == [BudgetPoint(at(end), 1 - use) for end, use in zip(
        range(28, 57, 4), [200 / 280, 300 / 280, 300 / 280, 300 / 280, 100 / 280,
                           100 / 280, 350 / 280, 350 / 280], strict=True)]


def test_calendar_weeks_start_on_mondays_and_breach_from_exhaustion_to_their_end() -> None:
    calendar = backtest(hand_computed(), 0.99, 7).calendar
    assert [(p.start_s, p.end_s, p.bad_events) for p in calendar.periods] == [
        (at(0), at(28), 200), (at(28), at(56), 350)]
    assert [p.exhausted_at_s for p in calendar.periods] == [None, at(51)]
    assert calendar.periods[1].time_to_exhaustion_s == 23 * STEP
    assert calendar.breaches == [Breach(at(51), at(56))]


def test_the_calendar_budget_remaining_restarts_with_every_period() -> None:
    curve = backtest(hand_computed(), 0.99, 7).calendar.budget_remaining
    first = [1.0, 1.0, 1.0] + [1 - 200 / 280] * 4
    second = [1 - 100 / 280] * 5 + [1 - 350 / 280] * 2
    assert curve == [BudgetPoint(MONDAY + day * DAY, remaining)
                     for day, remaining in zip(range(1, 15), first + second, strict=True)]


def test_steps_without_data_count_no_requests_and_a_period_without_any_uses_nothing() -> None:
    series = hand_computed()
    empty = EventSeries(MONDAY, STEP, np.full(56, np.nan), np.full(56, np.nan))
    outcome = backtest(empty, 0.99, 7)
    assert [p.budget_use_ratio for p in outcome.calendar.periods] == [None, None]
    assert outcome.rolling.breaches == []
    gap = EventSeries(MONDAY, STEP, np.where(np.arange(56) < 28, np.nan, series.total),
                      series.bad)
    assert [p.requests for p in backtest(gap, 0.99, 7).calendar.periods] == [0, 28_000]


def test_a_window_shorter_than_the_period_has_no_period() -> None:
    outcome = backtest(hand_computed(), 0.99, 28)
    assert outcome.rolling.periods == []
    assert outcome.rolling.breaches == []
    assert outcome.calendar.periods == []


def test_a_30_day_slo_is_judged_over_whole_calendar_months() -> None:
    assert calendar_boundaries(epoch(2024, 1, 15), epoch(2024, 4, 10), 30) == [
        epoch(2024, 2, 1), epoch(2024, 3, 1), epoch(2024, 4, 1)]
    assert calendar_boundaries(epoch(2023, 12, 1), epoch(2024, 1, 1), 30) == [
        epoch(2023, 12, 1), epoch(2024, 1, 1)]


def test_a_28_day_slo_counts_four_iso_weeks_from_monday_5_january_1970() -> None:
    # 2024-01-01 is 19,719 days after 1970-01-05: the next multiple of 28 is 19,740.
    assert calendar_boundaries(MONDAY, MONDAY + 60 * DAY, 28) == [
        epoch(2024, 1, 22), epoch(2024, 2, 19)]
