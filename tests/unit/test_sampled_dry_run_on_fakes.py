"""DryRunAlerts evaluating from raw samples, on the in-memory RawSamples fake: checkout's
requests counted every minute (200 a minute) with a one-hour outage, its alerts replayed
over 30 days without a single range query, each selector read once."""

from __future__ import annotations

import numpy as np

from slo_engine.application.dry_run_alerts import DryRunAlerts, DryRunMethod, DryRunOptions
from slo_engine.domain.alert_replay import AlertEpisode, PeriodJudgement
from slo_engine.domain.prometheus_rate import RawSeries
from tests.fakes_range_queries import InMemoryRangeQueries
from tests.fakes_raw_samples import InMemoryRawSamples, regular
from tests.unit.test_dry_run_alerts_on_fakes import DAY, END, OUTAGE, START, DryRunning

MINUTE = 60
PER_MINUTE = 200.0
FIRST = START - 3 * DAY - 5 * MINUTE  # the 3-day window full from the first evaluation


def _counters(until_s: int = END) -> list[RawSeries]:
    """200 requests a minute, all failing in the minutes ending in (OUTAGE, OUTAGE + 1h]."""
    ends = np.arange(FIRST + MINUTE, until_s + 1, MINUTE)
    failed = np.where((ends > OUTAGE) & (ends <= OUTAGE + 3_600), PER_MINUTE, 0.0)
    labels = {"__name__": "http_requests_total", "service": "checkout"}
    return [regular({**labels, "code": "200"}, FIRST, MINUTE,
                    np.concatenate([[0.0], np.cumsum(PER_MINUTE - failed)]).tolist()),
            regular({**labels, "code": "500"}, FIRST, MINUTE,
                    np.concatenate([[0.0], np.cumsum(failed)]).tolist())]


def _dry_run(running: DryRunning, samples: InMemoryRawSamples,
             queries: InMemoryRangeQueries | None = None) -> DryRunAlerts:
    return DryRunAlerts(running.rule_files, queries or InMemoryRangeQueries({}),
                        running.world.clock, DryRunOptions(), samples=samples)


async def test_an_outage_pages_within_a_minute_and_both_alerts_resolve_as_short_windows_clear(
        ) -> None:
    # page: 14.4x over 1h and 5m from the first failed minute; 6x over 6h and 30m holds
    # it until 30 minutes after; ticket: 3x over 1d and 2h from 1,000 failures in, 1x over
    # 3d and 6h holds it until 6 hours after
    running = DryRunning()
    result = await _dry_run(running, InMemoryRawSamples(_counters())).run("checkout")
    assert (result.method, result.degraded) == (DryRunMethod.REPLAY, False)
    assert [(a.alert, a.severity, a.replay and a.replay.episodes) for a in result.alerts] == [
        ("SLOErrorBudgetBurn", "page", (AlertEpisode(OUTAGE + 60, OUTAGE + 60,
                                                     OUTAGE + 5_400),)),
        ("SLOErrorBudgetBurn", "ticket", (AlertEpisode(OUTAGE + 300, OUTAGE + 300,
                                                       OUTAGE + 25_200),)),
        ("SLOMetricAbsent", "page", ())]


async def test_the_budget_runs_out_at_the_ninth_failed_five_minutes_after_the_page(
        ) -> None:
    running = DryRunning()
    result = await _dry_run(running, InMemoryRawSamples(_counters())).run("checkout")
    (availability,) = result.periods
    # 0.001 x 8,640,000 requests = 8,640 failures: passed by 9 x 1,000 at OUTAGE + 45 min
    assert availability.periods == (PeriodJudgement(
        START, END, True, 12_000.0, 8_640_000.0, OUTAGE + 9 * 300, OUTAGE + 60),)


async def test_each_selector_is_read_once_over_the_range_and_the_longest_window(
        ) -> None:
    running = DryRunning()
    samples, queries = InMemoryRawSamples(_counters()), InMemoryRangeQueries({})
    await _dry_run(running, samples, queries).run("checkout")
    assert samples.calls == [
        ('http_requests_total{service="checkout", code=~"5.."}', START - 3 * DAY, END),
        ('http_requests_total{service="checkout"}', START - 3 * DAY, END)]
    assert queries.calls == []


async def test_requests_that_stop_being_reported_raise_the_absence_alert_after_the_lookback(
        ) -> None:
    running = DryRunning()
    stopped = END - DAY
    result = await _dry_run(running, InMemoryRawSamples(_counters(stopped))).run("checkout")
    absent = result.alerts[-1]
    assert absent.replay is not None
    assert (absent.alert, absent.for_seconds) == ("SLOMetricAbsent", 60)
    assert absent.replay.episodes == (AlertEpisode(stopped + 360, stopped + 420, None),)


async def test_a_store_down_gives_a_syntax_only_dry_run() -> None:
    running = DryRunning()
    result = await _dry_run(running, InMemoryRawSamples([], unavailable=True)).run("checkout")
    assert (result.method, result.reason) == (
        DryRunMethod.SYNTAX_ONLY, "metrics store (Prometheus) is unavailable: connection refused")
