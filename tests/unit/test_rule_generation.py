"""The rule generators: burn-rate maths, names and labels, escaping, and golden files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from slo_engine.domain.promql_text import duration, number, parse_duration, string_literal
from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.generators.alert_rules import ABSENT_ALERT, BURN_ALERT, absent_for_seconds
from slo_engine.generators.alert_windows import WindowPair, parse_alert_windows
from slo_engine.generators.rule_model import AlertingRule, RecordingRule
from slo_engine.generators.rule_pipeline import (
    InvalidSloSpec,
    RuleOptions,
    generate_rules,
)
from slo_engine.generators.sli_rules import PeriodRatio, bucket_label_pattern, judged_bucket
from slo_engine.generators.slo_spec import LatencyObjective, SloSpec, latency_objective_ratio
from slo_engine.policy.loader import load_alert_windows
from tests.golden import Golden
from tests.rule_samples import SAMPLES, sample_files

WINDOWS = load_alert_windows()
CHECKOUT = SAMPLES["checkout-availability-30d"][0]


def _rules(spec: SloSpec, options: RuleOptions | None = None
           ) -> dict[str, list[RecordingRule | AlertingRule]]:
    generated = generate_rules([spec], WINDOWS, options)
    return {group.name: list(group.rules) for group in generated.groups}


def test_the_workbook_factors_follow_from_budget_share_period_and_window() -> None:
    factors = {days: [p.factor(days) for s in WINDOWS[days].severities for p in s.pairs]
               for days in (30, 28)}
    assert factors == {30: [14.4, 6.0, 3.0, 1.0], 28: [13.44, 5.6, 2.8, 0.933333]}


def test_alert_windows_are_the_recorded_windows_shortest_first() -> None:
    assert [duration(w) for w in WINDOWS[30].windows_seconds] == [
        "5m", "30m", "1h", "2h", "6h", "1d", "3d"]


def test_a_window_file_with_a_short_window_not_shorter_is_refused() -> None:
    document = {"version": 1, "period_days": 30, "source": "x", "severities": [
        {"severity": "page", "pairs": [{"long": "1h", "short": "1h", "budget_share": 0.02}]}]}
    with pytest.raises(ValueError, match="shorter than its long window"):
        parse_alert_windows(document)


def test_durations_print_in_the_largest_whole_unit_and_parse_back() -> None:
    assert [duration(s) for s in (300, 3_600, 86_400, 2_592_000, 90)] == [
        "5m", "1h", "1d", "30d", "90s"]
    assert [parse_duration(t) for t in ("5m", "6h", "3d")] == [300, 21_600, 259_200]
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration("1h30m")


def test_numbers_print_so_promql_reads_back_the_same_float() -> None:
    assert [number(v) for v in (0.999, 14.4, 30.0, 1e-05)] == ["0.999", "14.4", "30", "1e-05"]


def test_label_values_are_escaped_as_go_strings() -> None:
    assert string_literal('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_percentile_labels_are_objectives() -> None:
    assert [latency_objective_ratio(p) for p in ("p99", "p999", "p95", "p50")] == [
        0.99, 0.999, 0.95, 0.5]


def test_every_spelling_of_a_bucket_bound_is_matched() -> None:
    assert bucket_label_pattern(1.0) == "1|1\\.0"
    assert bucket_label_pattern(0.25) == "0\\.25"


def _latency(threshold: float, bounds: tuple[float, ...] | None) -> SloSpec:
    return replace(CHECKOUT, kind="latency", objective_ratio=0.99,
                   latency=LatencyObjective("p99", threshold, bounds))


def test_a_threshold_between_buckets_is_judged_at_the_next_bound_with_a_warning() -> None:
    bound, warnings = judged_bucket(_latency(0.3, (0.1, 0.25, 0.5)))
    assert bound == 0.5
    assert warnings == ("latency-p99: the threshold 0.3 falls between buckets; the SLI "
                        "judges it at le=0.5",)


def test_a_threshold_beyond_the_largest_bucket_cannot_be_generated() -> None:
    with pytest.raises(InvalidSloSpec, match=r"beyond the largest finite bucket 0\.5"):
        generate_rules([_latency(0.8, (0.1, 0.5))], WINDOWS)


def test_a_millisecond_histogram_is_judged_at_its_own_bound() -> None:
    spec = replace(_latency(0.3, (0.1, 0.3, 1.0)),
                   metrics=SliDefinition(duration_unit_seconds=0.001))
    assert judged_bucket(spec) == (300.0, ())


def test_every_series_carries_sloths_ids_the_version_and_the_team() -> None:
    (first, *_), = [rules for name, rules in _rules(CHECKOUT).items()
                    if name.startswith("slo-sli-recordings")]
    assert isinstance(first, RecordingRule)
    assert first.record == "slo:sli_error:ratio_rate5m"
    assert dict(first.labels) == {
        "sloth_id": "checkout-availability", "sloth_service": "checkout",
        "sloth_slo": "availability", "slo_id": CHECKOUT.slo_id, "slo_version": "2",
        "team": "payments", "sloth_window": "5m"}


def test_the_period_ratio_counts_requests_of_the_whole_period() -> None:
    (period,) = _rules(CHECKOUT)["slo-sli-period-checkout-availability"]
    assert isinstance(period, RecordingRule)
    assert period.record == "slo:sli_error:ratio_rate30d"
    assert period.expr == (
        '(sum(increase(http_requests_total{service="checkout", code=~"5.."}[30d])) '
        'or vector(0))\n/\nsum(increase(http_requests_total{service="checkout"}[30d]))')


def test_the_averaged_period_ratio_is_only_an_explicit_option() -> None:
    (period,) = _rules(CHECKOUT, RuleOptions(period_ratio=PeriodRatio.AVERAGED))[
        "slo-sli-period-checkout-availability"]
    assert period.expr.startswith('sum_over_time(slo:sli_error:ratio_rate5m{sloth_id='
                                  '"checkout-availability"')


def test_page_and_ticket_alerts_then_the_absent_data_alert() -> None:
    alerts = _rules(CHECKOUT)["slo-alerts-checkout-availability"]
    assert [(a.alert, a.labels["severity"]) for a in alerts if isinstance(a, AlertingRule)] == [
        (BURN_ALERT, "page"), (BURN_ALERT, "ticket"), (ABSENT_ALERT, "page")]
    page = alerts[0]
    assert "> (14.4 * 0.001)) without (sloth_window)" in page.expr
    assert 'sum(increase(http_requests_total{service="checkout"}[1h])) >= 20' in page.expr
    assert isinstance(page, AlertingRule)
    assert page.annotations["runbook_url"] == "https://runbooks.example.com/checkout"


def test_missing_data_pages_no_sooner_than_a_full_outage_would() -> None:
    """The 1h pair at 100% errors: 2% x 30 days x budget, rounded up to minutes."""
    assert absent_for_seconds(CHECKOUT, WINDOWS[30]) == 60  # 51.8 s at 99.9%
    loose = replace(CHECKOUT, objective_ratio=0.99)
    assert absent_for_seconds(loose, WINDOWS[30]) == 540  # 518.4 s at 99%


def test_a_period_without_alert_windows_is_refused_by_name() -> None:
    with pytest.raises(InvalidSloSpec, match="no alert windows for a 7-day period"):
        generate_rules([replace(CHECKOUT, period_days=7)], WINDOWS)


def test_an_objective_of_one_has_no_budget_to_alert_on() -> None:
    with pytest.raises(InvalidSloSpec, match="not strictly between 0 and 1"):
        generate_rules([replace(CHECKOUT, objective_ratio=1.0)], WINDOWS)


def test_hostile_names_stay_inside_their_strings() -> None:
    (spec,) = SAMPLES["hostile-names"]
    text = generate_rules([spec], WINDOWS).text("h")
    document = yaml.safe_load(text)
    first = document["groups"][0]["rules"][0]
    assert 'service="pay\\"ments\\\\api", cluster="eu\\"west"' in first["expr"]
    alert = document["groups"][3]["rules"][0]
    assert alert["labels"]["team"] == 'team {{ "{{" }} .Evil }} "x"\nnext'


def test_a_window_pair_spends_its_share_of_the_budget_at_its_factor() -> None:
    pair = WindowPair(3_600, 300, 0.02)
    budget_seconds = 30 * 86_400 * 0.001
    assert pair.factor(30) * 0.001 * 3_600 == pytest.approx(0.02 * budget_seconds)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_generated_files_equal_their_golden_files(name: str, golden: Golden) -> None:
    for file_name, text in sample_files(name).items():
        golden.check_text(Path("rules") / name / file_name, text)
