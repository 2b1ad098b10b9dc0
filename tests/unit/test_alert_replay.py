"""Prometheus's alert state machine replayed on sampled answers (domain/alert_replay.py),
the figures per severity, and the SLO periods whose error budget ran out."""

from __future__ import annotations

import numpy as np

from slo_engine.domain.alert_replay import (
    AlertEpisode,
    AlertReplay,
    SeveritySummary,
    first_firing_between,
    judge_periods,
    period_bounds,
    replay_alert,
    summarise,
)

MINUTE = 60
DAY = 86_400


def _replay(pattern: str, for_seconds: int = 0, keep_firing_for_seconds: int = 0
            ) -> AlertReplay:
    """One evaluation a minute from 0; '#': the expression returned the series."""
    active = np.array([c == "#" for c in pattern])
    return replay_alert(np.arange(len(pattern)) * MINUTE, active, MINUTE, for_seconds,
                        keep_firing_for_seconds)


def test_without_for_an_alert_fires_when_its_series_appears_and_resolves_when_it_goes(
        ) -> None:
    replay = _replay(".##..#.")
    assert replay.episodes == (AlertEpisode(60, 60, 180), AlertEpisode(300, 300, 360))
    assert replay.firing_seconds == 180


def test_a_pending_alert_fires_once_for_has_passed_and_is_dropped_if_the_series_goes_sooner(
        ) -> None:
    replay = _replay(".####.##.", for_seconds=120)
    assert replay.episodes == (AlertEpisode(60, 180, 300),)
    assert replay.firing_seconds == 120


def test_keep_firing_for_holds_an_episode_when_the_series_returns_as_the_time_runs_out(
        ) -> None:
    replay = _replay("#..#....", keep_firing_for_seconds=120)
    assert replay.episodes == (AlertEpisode(0, 0, 360),)
    assert replay.firing_seconds == 360


def test_a_series_returning_after_keep_firing_for_ran_out_starts_a_new_episode() -> None:
    replay = _replay("#...#", keep_firing_for_seconds=120)
    assert replay.episodes == (AlertEpisode(0, 0, 180), AlertEpisode(240, 240, None))
    assert replay.firing_seconds == 240


def test_keep_firing_for_does_not_hold_a_pending_alert() -> None:
    replay = _replay("#.###", for_seconds=120, keep_firing_for_seconds=300)
    assert replay.episodes == (AlertEpisode(120, 240, None),)
    assert replay.firing_seconds == 60


def test_an_alert_firing_at_the_end_counts_one_interval_past_the_last_evaluation() -> None:
    replay = _replay("..##")
    assert replay.episodes == (AlertEpisode(120, 120, None),)
    assert replay.firing_seconds == 120
    assert (replay.firing_at(119), replay.firing_at(120), replay.firing_at(180)) == (
        False, True, True)


def test_an_expression_that_never_returns_gives_no_episode() -> None:
    replay = _replay("......")
    assert replay.episodes == ()
    assert replay.firing_seconds == 0


def test_a_severity_sums_the_episodes_of_its_alerts_over_the_replayed_weeks() -> None:
    """A week of evaluations, from 0 to 7 days: one alert fires for 3 minutes, the other
    for a minute and again at the last evaluation."""
    week = 7 * DAY // MINUTE
    first = np.zeros(week + 1, dtype=bool)
    first[10:13] = True
    second = np.zeros(week + 1, dtype=bool)
    second[[100, week]] = True
    stamps = np.arange(week + 1) * MINUTE
    replays = [replay_alert(stamps, first, MINUTE), replay_alert(stamps, second, MINUTE)]
    assert summarise("page", replays) == SeveritySummary(
        "page", episodes=3, firing_seconds=300, first_fired_s=600,
        last_firing_s=7 * DAY, episodes_per_week=3.0)


def test_a_severity_that_never_fired_summarises_to_no_times() -> None:
    assert summarise("ticket", [_replay("....")]) == SeveritySummary(
        "ticket", 0, 0, None, None, 0.0)


def test_periods_are_laid_back_from_the_end_of_the_history() -> None:
    assert period_bounds(100, 100 + 2 * DAY + 500, DAY) == [
        (600, 600 + DAY, True), (600 + DAY, 600 + 2 * DAY, True)]
    assert period_bounds(0, 1_000, DAY) == [(0, 1_000, False)]


def test_a_page_firing_before_a_period_starts_counts_from_the_period_start() -> None:
    replay = AlertReplay((AlertEpisode(50, 100, 500), AlertEpisode(900, 900, None)), 0,
                         1_000, MINUTE)
    assert first_firing_between(replay, 300, 800) == 300
    assert first_firing_between(replay, 500, 800) is None
    assert first_firing_between(replay, 500, 2_000) == 900


def test_the_budget_runs_out_in_the_period_whose_failures_exceed_its_share() -> None:
    """Two one-day periods of 64 requests every 5 minutes and a budget of 1/16 (1,152
    failures a day). Day one fails 4 requests a step: exactly the budget, no breach. Day
    two fails everything from 89,400 s on: the 19th such step (94,800 s) passes 1,152; a
    page fired at 93,000 s, 30 minutes before."""
    stamps = np.arange(0, 2 * DAY + 1, 300)
    total = np.full(stamps.size, 64.0)
    failed = np.where(stamps <= DAY, 4.0, 0.0)
    failed[stamps >= 89_400] = 64.0
    failed[0] = np.nan  # the step before the first period: outside both
    page = AlertReplay((AlertEpisode(92_940, 93_000, 99_000),), 0, 2 * DAY, MINUTE)
    first, second = judge_periods(stamps, failed, total, (0, 2 * DAY), DAY, 0.0625, [page])
    assert (first.breached, first.failed, first.total, first.paged) == (
        False, 1_152.0, 18_432.0, False)
    assert first.page_lead_seconds is None
    assert (second.start_s, second.end_s, second.complete) == (DAY, 2 * DAY, True)
    assert (second.exhausted_s, second.failed, second.first_page_s) == (94_800, 17_856.0,
                                                                         93_000)
    assert second.page_lead_seconds == 1_800


def test_a_page_after_the_budget_ran_out_has_a_negative_lead() -> None:
    stamps = np.arange(0, DAY + 1, 300)
    failed = np.where(stamps >= 43_200, 1.0, 0.0)
    page = AlertReplay((AlertEpisode(50_000, 50_000, None),), 0, DAY, MINUTE)
    (period,) = judge_periods(stamps, failed, np.ones(stamps.size), (0, DAY), DAY, 0.25,
                              [page])
    assert period.exhausted_s == 43_200 + 72 * 300
    assert period.page_lead_seconds == 43_200 + 72 * 300 - 50_000
