"""DryRunAlerts on in-memory fakes: the generated alerts replayed over 30 days of scripted
answers (figures per alert, per severity and per SLO period), and the syntax-only dry run,
flagged degraded, when the metrics store is down, slow or refuses a query."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from slo_engine.application.dry_run_alerts import (
    EXPANDED_FILE_NAME,
    DryRunAlerts,
    DryRunMethod,
    DryRunOptions,
)
from slo_engine.application.ports import RuleCheck
from slo_engine.application.slo_rule_files import RULE_FILE_NAME, SloRuleFiles
from slo_engine.domain.alert_replay import AlertEpisode, PeriodJudgement, SeveritySummary
from slo_engine.domain.audit_chain import chained
from slo_engine.domain.errors import ActiveSloNotFound
from slo_engine.domain.model import ServiceRecord
from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.generators.alert_expansion import budget_queries, expanded_alerts
from slo_engine.generators.rule_pipeline import generate_rules
from slo_engine.generators.slo_spec import SloSpec
from slo_engine.policy.loader import load_alert_windows
from tests.fakes_range_queries import Answer, InMemoryRangeQueries, nothing, present
from tests.fakes_world import FakeWorld

DAY = 86_400
END = 1_700_006_400  # the fake world's clock, on the hour
START = END - 30 * DAY
OUTAGE = START + 20 * DAY  # a full outage of one hour
PER_STEP = 1_000.0  # requests every 5 minutes


class RecordingChecker:
    """A RuleChecker that passes everything and keeps what it was given."""

    def __init__(self) -> None:
        self.checked: list[Mapping[str, str]] = []

    def check_rules(self, rule_files: Mapping[str, str]) -> RuleCheck:
        self.checked.append(dict(rule_files))
        return RuleCheck(True, "SUCCESS")

    def test_rules(self, files: Mapping[str, str], test_files: list[str]) -> RuleCheck:
        raise AssertionError(f"a dry run runs no rule tests ({test_files} of {len(files)})")


class DryRunning:
    """checkout (team payments) with an active 99.9% / 30-day availability SLO."""

    def __init__(self, checker: RecordingChecker | None = None) -> None:
        self.world = FakeWorld()
        self.world.add_services(ServiceRecord("checkout", team="payments"),
                                ServiceRecord("idle"))
        sequence, head = self.world.ledger.audit_head()
        self.world.ledger.record_slo_version("checkout", None, None, "accepted", {
            "slo_id": "slo-1", "service_id": "checkout", "version": 3,
            "availability_target_ratio": 0.999, "period_days": 30, "activated_at": 4},
            chained({"event_id": "e-1", "action": "accept"}, sequence + 1, head), 4)
        self.rule_files = SloRuleFiles(self.world.ledger, self.world.store,
                                       lambda _s: SliDefinition(), load_alert_windows(),
                                       checker)

    @property
    def spec(self) -> SloSpec:
        (spec,) = self.rule_files.specs("checkout")
        return spec

    def outage_answers(self) -> dict[str, Answer]:
        """Page and ticket firing through the outage hour (the ticket three hours); every
        request failing in it."""
        groups = generate_rules([self.spec], self.rule_files.windows).groups
        page, ticket, absent = (a.expr for a in expanded_alerts(groups))
        counts = budget_queries(self.spec, 300)

        def failed(stamps: np.ndarray) -> np.ndarray:
            return np.where((stamps > OUTAGE) & (stamps <= OUTAGE + 3_600), PER_STEP, 0.0)

        return {page: present(OUTAGE, OUTAGE + 3_600),
                ticket: present(OUTAGE, OUTAGE + 3 * 3_600), absent: nothing,
                counts.failed: failed, counts.total: lambda t: np.full(t.size, PER_STEP)}

    def dry_run(self, queries: InMemoryRangeQueries, deadline_s: float = 5.0) -> DryRunAlerts:
        return DryRunAlerts(self.rule_files, queries, self.world.clock,
                            DryRunOptions(deadline_seconds=deadline_s))


async def test_an_outage_pages_and_tickets_once_and_the_page_came_before_the_budget_ran_out(
        ) -> None:
    running = DryRunning()
    queries = InMemoryRangeQueries(running.outage_answers())
    result = await running.dry_run(queries).run("checkout")
    assert (result.method, result.degraded, result.reason) == (DryRunMethod.REPLAY, False,
                                                                None)
    assert (result.service_id, result.slo_id, result.slo_version, result.start_s,
            result.end_s, result.days) == ("checkout", "slo-1", 3, START, END, 30.0)
    assert [(a.alert, a.severity, a.interval_seconds, a.replay and a.replay.episodes)
            for a in result.alerts] == [
        ("SLOErrorBudgetBurn", "page", 60, (AlertEpisode(OUTAGE, OUTAGE, OUTAGE + 3_600),)),
        ("SLOErrorBudgetBurn", "ticket", 60,
         (AlertEpisode(OUTAGE, OUTAGE, OUTAGE + 3 * 3_600),)),
        ("SLOMetricAbsent", "page", 60, ())]
    assert result.severities == (
        SeveritySummary("page", 1, 3_600, OUTAGE, OUTAGE + 3_540, 0.233333),
        SeveritySummary("ticket", 1, 10_800, OUTAGE, OUTAGE + 10_740, 0.233333))
    (availability,) = result.periods
    assert (availability.sli, availability.period_days, availability.budget_ratio) == (
        "availability", 30, 0.001)
    # Budget: 0.001 x 8,640 steps x 1,000 = 8,640 failures, passed by the 9th failed step.
    assert availability.periods == (PeriodJudgement(
        START, END, True, 12 * PER_STEP, 8_640 * PER_STEP, OUTAGE + 9 * 300, OUTAGE),)
    assert availability.periods[0].page_lead_seconds == 2_700


async def test_alerts_are_queried_at_the_group_interval_and_budgets_at_five_minutes(
        ) -> None:
    running = DryRunning()
    queries = InMemoryRangeQueries(running.outage_answers())
    await running.dry_run(queries).run("checkout", days=7)
    assert sorted({(start, end, step) for _, start, end, step in queries.calls}) == [
        (END - 7 * DAY, END, 60), (END - 7 * DAY, END, 300)]
    assert len(queries.calls) == 5


@pytest.mark.parametrize(("queries", "reason"), [
    (InMemoryRangeQueries({}, unavailable=True),
     "metrics store (Prometheus) is unavailable: connection refused"),
    (InMemoryRangeQueries({}, delay_s=1.0),
     "the metrics store (Prometheus) did not answer the dry run within 0.05 s"),
    (InMemoryRangeQueries({}), None),
], ids=["down", "slow", "refusing"])
async def test_a_store_down_slow_or_refusing_gives_a_syntax_only_dry_run_flagged_degraded(
        queries: InMemoryRangeQueries, reason: str | None) -> None:
    checker = RecordingChecker()
    running = DryRunning(checker)
    result = await running.dry_run(queries, deadline_s=0.05).run("checkout")
    assert (result.method, result.degraded) == (DryRunMethod.SYNTAX_ONLY, True)
    assert result.reason is not None
    if reason is None:
        assert result.reason.endswith("the fake knows no answer to it")
    else:
        assert result.reason == reason
    assert [(a.alert, a.severity, a.replay) for a in result.alerts] == [
        ("SLOErrorBudgetBurn", "page", None), ("SLOErrorBudgetBurn", "ticket", None),
        ("SLOMetricAbsent", "page", None)]
    assert (result.severities, result.periods) == ((), ())
    assert result.syntax == RuleCheck(True, "SUCCESS")
    (files,) = checker.checked
    assert sorted(files) == [EXPANDED_FILE_NAME, RULE_FILE_NAME]
    assert "slo:sli_error" not in files[EXPANDED_FILE_NAME]
    assert files[EXPANDED_FILE_NAME].count("alert: SLOErrorBudgetBurn") == 2


async def test_without_promtool_a_degraded_dry_run_says_its_syntax_was_not_checked() -> None:
    running = DryRunning(checker=None)
    result = await running.dry_run(InMemoryRangeQueries({}, unavailable=True)).run("checkout")
    assert (result.degraded, result.syntax) == (True, None)


async def test_a_service_without_an_active_slo_has_nothing_to_dry_run() -> None:
    running = DryRunning()
    with pytest.raises(ActiveSloNotFound):
        await running.dry_run(InMemoryRangeQueries({})).run("idle")
