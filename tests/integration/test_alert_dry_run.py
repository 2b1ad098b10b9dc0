"""The alert dry run against a real Prometheus (issue 18, item 10): the series of every
scenario of a generated `promtool test rules` file, backfilled as OpenMetrics (each
scenario a week after the last, beyond the longest alert window), replayed by DryRunAlerts
with the recording rules inline; at every evaluation time the test file names, the alerts
the dry run finds firing are the ones promtool is told to expect, and promtool agrees on
the same file. With Prometheus stopped, the dry run is syntax only, checked by promtool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_range import PrometheusRangeQueries
from slo_engine.adapters.prometheus_samples import PrometheusRawSamples
from slo_engine.adapters.promtool import Promtool
from slo_engine.application.dry_run_alerts import DryRunAlerts, DryRunMethod, DryRunResult
from slo_engine.application.slo_rule_files import SloRuleFiles
from slo_engine.application.telemetry_ports import RawSamples
from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.generators.alert_rules import BURN_ALERT, AlertOptions, burn_alert
from slo_engine.generators.promtool_tests import expected_alert, promtool_test_file
from slo_engine.generators.rule_model import yaml_text
from slo_engine.generators.rule_pipeline import generate_rules, rule_file_header
from slo_engine.generators.sli_rules import rule_labels
from slo_engine.policy.loader import load_alert_windows
from slo_engine.runtime.processes import ServerProcess
from slo_engine.runtime.prometheus_server import start_prometheus
from tests.fakes import TickingClock
from tests.fakes_graph import InMemoryGraphStore
from tests.fakes_graph_state import InMemoryGraph
from tests.fakes_ledger import InMemorySloLedger
from tests.prometheus_history import prometheus_holding
from tests.promtool_series import samples, write_openmetrics
from tests.rule_samples import SAMPLES

ORIGIN = 1_767_225_600  # 2026-01-01T00:00:00Z: the first scenario's time 0
APART = 7 * 86_400  # scenarios apart: more than the 3-day window and the lookback
NAMES = ["checkout-availability-30d", "search-latency-28d"]
Firing = set[tuple[str, str, str]]  # (alertname, SLI, severity)


def _scenarios(name: str) -> list[dict[str, Any]]:
    windows = load_alert_windows()
    tests = promtool_test_file([(s, windows[s.period_days]) for s in SAMPLES[name]],
                               ["rules.yaml"])["tests"]
    return [t for t in tests if t.get("alert_rule_test")]


def _minutes(text: str) -> int:
    """A promtool eval_time ('0m', '63m') in seconds."""
    assert text.endswith("m"), text
    return int(text[:-1]) * 60


def _origin(index: int) -> int:
    return ORIGIN + index * APART


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """Both samples' scenarios, one after another, in one Prometheus."""
    directory = tmp_path_factory.mktemp("dry-run")
    scenarios = [t for name in NAMES for t in _scenarios(name)]
    write_openmetrics((samples(t, _origin(k)) for k, t in enumerate(scenarios)),
                      directory / "scenarios.om")
    with prometheus_holding([directory / "scenarios.om"], directory / "data") as server:
        yield server


def _dry_run(queries: PrometheusRangeQueries | Any, samples: RawSamples | None = None
             ) -> DryRunAlerts:
    graph = InMemoryGraph()
    rule_files = SloRuleFiles(InMemorySloLedger(graph), InMemoryGraphStore(graph),
                              lambda _s: SliDefinition(), load_alert_windows(), Promtool())
    return DryRunAlerts(rule_files, queries, TickingClock(ORIGIN * 1000), samples=samples)


@pytest.fixture(params=["raw-samples", "range-queries"])
async def dry_run(history: ServerProcess, request: pytest.FixtureRequest
                  ) -> AsyncIterator[DryRunAlerts]:
    """The dry run evaluating from raw samples, and by range queries of the expressions."""
    telemetry = PrometheusTelemetry(history.url, retry_delays_s=())
    samples = PrometheusRawSamples(telemetry) if request.param == "raw-samples" else None
    yield _dry_run(PrometheusRangeQueries(telemetry), samples)
    await telemetry.close()


def _expected(check: dict[str, Any]) -> Firing:
    return {(check["alertname"], alert["exp_labels"]["sloth_slo"],
             alert["exp_labels"]["severity"]) for alert in check["exp_alerts"]}


def _found(result: DryRunResult, alertname: str, at_s: int) -> Firing:
    return {(a.alert, a.sli, a.severity) for a in result.alerts
            if a.alert == alertname and a.replay is not None and a.replay.firing_at(at_s)}


async def _replayed(dry_run: DryRunAlerts, name: str, index: int, test: dict[str, Any]
                    ) -> DryRunResult:
    last = max(_minutes(c["eval_time"]) for c in test["alert_rule_test"])
    return await dry_run.replay(SAMPLES[name], _origin(index), _origin(index) + last)


def _indexed(name: str) -> list[tuple[int, dict[str, Any]]]:
    offset = sum(len(_scenarios(n)) for n in NAMES[:NAMES.index(name)])
    return [(offset + k, test) for k, test in enumerate(_scenarios(name))]


@pytest.mark.parametrize("name", NAMES)
async def test_the_dry_run_fires_what_the_generated_promtool_tests_expect_when_they_expect_it(
        dry_run: DryRunAlerts, name: str) -> None:
    compared = []
    for index, test in _indexed(name):
        result = await _replayed(dry_run, name, index, test)
        assert result.method is DryRunMethod.REPLAY, result.reason
        for check in test["alert_rule_test"]:
            at = _origin(index) + _minutes(check["eval_time"])
            compared.append((test["name"], check["eval_time"], check["alertname"],
                             _found(result, check["alertname"], at) == _expected(check)))
    assert [c for c in compared if not c[-1]] == []
    assert len(compared) == 11


def _minute_by_minute(name: str, test: dict[str, Any], result: DryRunResult
                      ) -> dict[str, Any]:
    """The scenario's series with, at every minute, the burn alerts the dry run found
    firing then, as promtool expects them."""
    (spec,) = SAMPLES[name]
    windows = load_alert_windows()[spec.period_days]
    rules = {s.severity: burn_alert(spec, s, AlertOptions()) for s in windows.severities}
    start = result.start_s
    checks = [{"eval_time": f"{m}m", "alertname": BURN_ALERT, "exp_alerts": [
        expected_alert(rules[severity], rule_labels(spec))
        for _, _, severity in sorted(_found(result, BURN_ALERT, start + m * 60))]}
        for m in range((result.end_s - start) // 60 + 1)]
    return {**test, "alert_rule_test": checks}


@pytest.mark.parametrize("name", NAMES)
async def test_promtool_agrees_with_the_dry_run_at_every_minute_of_every_burn_scenario(
        dry_run: DryRunAlerts, name: str) -> None:
    specs, tests = SAMPLES[name], []
    for index, test in _indexed(name):
        if any(c["alertname"] == BURN_ALERT for c in test["alert_rule_test"]):
            result = await _replayed(dry_run, name, index, test)
            tests.append(_minute_by_minute(name, test, result))
    generated = generate_rules(specs, load_alert_windows())
    rules = generated.text(rule_file_header(specs))
    # Recordings before alerts, as the dry run reads them: without an order promtool 2.42
    # runs the groups in map order, so an alert may read the previous minute's recordings.
    order = [g.name for g in generated.groups]
    document = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m",
                "group_eval_order": order, "tests": tests}
    verdict = Promtool().test_rules({"rules.yaml": rules, "t.yaml": yaml_text(document)},
                                    ["t.yaml"])
    assert verdict.passed, verdict.output[-3000:]
    assert len(tests) == 4
    # healthy 2h, outage at 1h paging within 3 (30d) or 11 (28d) minutes, 6h of steady burn,
    # the quiet service's 100 minutes: one check a minute from 0
    outage = {"checkout-availability-30d": 64, "search-latency-28d": 72}[name]
    assert [len(t["alert_rule_test"]) for t in tests] == [121, outage, 361, 101]


@pytest.mark.parametrize("name", NAMES)
def test_promtool_passes_the_same_scenarios_on_the_same_rules(name: str) -> None:
    specs, windows = SAMPLES[name], load_alert_windows()
    rules = generate_rules(specs, windows).text(rule_file_header(specs))
    tests = promtool_test_file([(s, windows[s.period_days]) for s in specs], ["rules.yaml"])
    verdict = Promtool().test_rules({"rules.yaml": rules, "t.yaml": yaml_text(tests)},
                                    ["t.yaml"])
    assert verdict.passed, verdict.output


def _scenario(name: str, title: str) -> tuple[int, dict[str, Any]]:
    return next((k, t) for k, t in _indexed(name) if title in t["name"])


async def test_the_outage_breaches_its_budget_and_paged_while_the_healthy_service_did_not(
        dry_run: DryRunAlerts) -> None:
    name = NAMES[0]
    healthy = await _replayed(dry_run, name, *_scenario(name, "nothing fires"))
    outage = await _replayed(dry_run, name, *_scenario(name, "a full outage pages"))
    (calm,) = healthy.periods[0].periods
    (broken,) = outage.periods[0].periods
    assert (calm.complete, calm.breached, calm.paged) == (False, False, False)
    assert (broken.complete, broken.breached, broken.paged) == (False, True, True)
    assert [(s.severity, s.episodes) for s in outage.severities] == [("page", 1),
                                                                    ("ticket", 1)]


async def test_with_prometheus_stopped_the_dry_run_is_syntax_only_checked_by_promtool(
        tmp_path: Path) -> None:
    server = start_prometheus(tmp_path / "data")
    url = server.url
    server.stop()
    telemetry = PrometheusTelemetry(url, retry_delays_s=())
    try:
        result = await _dry_run(PrometheusRangeQueries(telemetry),
                                PrometheusRawSamples(telemetry)).replay(
            SAMPLES[NAMES[1]], ORIGIN, ORIGIN + 30 * 86_400)
    finally:
        await telemetry.close()
    assert (result.method, result.degraded) == (DryRunMethod.SYNTAX_ONLY, True)
    assert result.reason is not None
    assert result.reason.startswith("metrics store (Prometheus) is unavailable: ConnectError")
    assert result.syntax is not None
    assert result.syntax.passed, result.syntax.output
    assert result.syntax.output.count("SUCCESS") == 2
    assert [a.replay for a in result.alerts] == [None, None, None]
