"""Prometheus's own tools on the generated rules: the golden files pass `promtool check
rules` and their generated `promtool test rules`, and those tests fail when the alerts
they guard are broken."""

from __future__ import annotations

import pytest

from slo_engine.adapters.promtool import Promtool
from slo_engine.generators.alert_rules import AlertOptions
from slo_engine.generators.rule_pipeline import RuleOptions
from tests.golden import GOLDEN
from tests.rule_samples import SAMPLES, sample_files


@pytest.fixture(scope="module")
def promtool() -> Promtool:
    return Promtool()


def _golden_files(name: str) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8")
            for path in sorted((GOLDEN / "rules" / name).glob("*.yaml"))}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_golden_rule_files_pass_promtool_check_rules(name: str, promtool: Promtool) -> None:
    rules = {n: t for n, t in _golden_files(name).items() if n == "rules.yaml"}
    verdict = promtool.check_rules(rules)
    assert verdict.passed, verdict.output
    assert verdict.output.count("SUCCESS") == len(rules)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_golden_rules_pass_their_generated_unit_tests(name: str, promtool: Promtool) -> None:
    files = _golden_files(name)
    verdict = promtool.test_rules(files, ["rules.test.yaml"])
    assert verdict.passed, verdict.output
    assert "SUCCESS" in verdict.output


def test_the_quiet_service_test_fails_without_the_traffic_guard(promtool: Promtool) -> None:
    """The scenario has teeth: with no minimum of requests, one failure in two pages."""
    unguarded = sample_files("checkout-availability-30d",
                             RuleOptions(alerts=AlertOptions(min_events=0)))
    guarded = sample_files("checkout-availability-30d")
    files = {**unguarded, "rules.test.yaml": guarded["rules.test.yaml"]}
    verdict = promtool.test_rules(files, ["rules.test.yaml"])
    assert not verdict.passed
    assert "one failure in two requests pages nobody" in verdict.output
    assert "nothing fires" not in verdict.output


def test_the_outage_test_fails_when_the_page_fires_too_late(promtool: Promtool) -> None:
    """The scenario has teeth: page pairs at ten times their factor cross too late."""
    files = _golden_files("checkout-availability-30d")
    rules = files["rules.yaml"]
    files["rules.yaml"] = rules.replace("(14.4 * 0.001)", "(144 * 0.001)"
                                                     ).replace("(6 * 0.001)", "(60 * 0.001)")
    verdict = promtool.test_rules(files, ["rules.test.yaml"])
    assert not verdict.passed
    assert "a full outage pages within 3 minutes" in verdict.output
    assert "a steady 1.5x burn" not in verdict.output


def test_many_files_are_shared_among_promtool_processes_and_all_reported() -> None:
    files = {f"team-{k}.yaml": _golden_files(name)["rules.yaml"]
             for k, name in enumerate(sorted(SAMPLES))}
    verdict = Promtool(processes=3).check_rules(files)
    assert verdict.passed, verdict.output
    assert verdict.output.count("SUCCESS") == len(files) == 4
    broken = {**files, "team-9.yaml": "groups:\n- name: x\n  rules:\n  - record: a\n"}
    failed = Promtool(processes=3).check_rules(broken)
    assert not failed.passed
    assert "team-9.yaml" in failed.output
