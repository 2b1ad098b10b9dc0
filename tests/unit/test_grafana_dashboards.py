"""The Grafana dashboards: queries over the generated series, thresholds from the window
files, variables, stable uids, escaping, Grafana's dashboard schema, and golden files."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from slo_engine.generators.alert_rules import ABSENT_ALERT, BURN_ALERT
from slo_engine.generators.grafana_dashboards import (
    FLEET_UID,
    dashboard_uid,
    fleet_dashboard,
    slo_dashboard,
)
from slo_engine.generators.rule_pipeline import InvalidSloSpec
from slo_engine.policy.loader import load_alert_windows
from tests.golden import REPOSITORY, Golden
from tests.rule_samples import SAMPLES

WINDOWS = load_alert_windows()
SCHEMA = json.loads((REPOSITORY / "backend" / "slo_engine" / "generators" / "schemas" /
                     "grafana-dashboard-v1.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CHECKOUT = slo_dashboard(SAMPLES["checkout-availability-30d"], WINDOWS)
FLEET = fleet_dashboard([spec for specs in SAMPLES.values() for spec in specs])
ON_CHECKOUT = 'sloth_service="checkout", sloth_slo=~"$slo"'
# A PromQL double-quoted string: anything but a quote, a backslash or a newline, or an escape.
STRING_LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def _schema_errors(document: Any) -> list[str]:
    return sorted("/" + "/".join(str(step) for step in error.absolute_path)
                  for error in VALIDATOR.iter_errors(document))


def _panels(dashboard: dict[str, Any], title_start: str) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["title"].startswith(title_start)]


def _exprs(panel: dict[str, Any]) -> list[str]:
    return [target["expr"] for target in panel["targets"]]


def _every_expr(dashboard: dict[str, Any]) -> list[str]:
    exprs = [e for panel in dashboard["panels"] for e in _exprs(panel)]
    return exprs + [a["expr"] for a in dashboard["annotations"]["list"] if "expr" in a]


def test_the_sli_is_one_minus_the_recorded_error_ratios_against_the_objective() -> None:
    (panel,) = _panels(CHECKOUT, "SLI against")
    assert _exprs(panel) == [f"1 - slo:sli_error:ratio_rate5m{{{ON_CHECKOUT}}}",
                             f"1 - slo:sli_error:ratio_rate30d{{{ON_CHECKOUT}}}",
                             f"slo:objective:ratio{{{ON_CHECKOUT}}}"]
    assert [t["legendFormat"] for t in panel["targets"]] == [
        "{{sloth_slo}} SLI over 5m", "{{sloth_slo}} SLI over 30d", "{{sloth_slo}} objective"]


def test_the_budget_remaining_is_the_period_record_with_a_line_at_zero() -> None:
    (panel,) = _panels(CHECKOUT, "Error budget remaining")
    assert panel["title"] == "Error budget remaining over 30d"
    assert _exprs(panel) == [f"slo:period_error_budget_remaining:ratio{{{ON_CHECKOUT}}}"]
    assert panel["fieldConfig"]["defaults"]["thresholds"]["steps"] == [
        {"color": "red", "value": None}, {"color": "green", "value": 0.0}]


def _thresholds(dashboard: dict[str, Any]) -> list[tuple[str, float]]:
    return [(p["title"], p["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"])
            for p in _panels(dashboard, "Burn rate")]


def test_burn_rate_thresholds_are_the_factors_of_the_30_day_window_file() -> None:
    assert _thresholds(CHECKOUT) == [("Burn rate 1h / 5m: page above 14.4x", 14.4),
                                     ("Burn rate 6h / 30m: page above 6x", 6.0),
                                     ("Burn rate 1d / 2h: ticket above 3x", 3.0),
                                     ("Burn rate 3d / 6h: ticket above 1x", 1.0)]


def test_burn_rate_thresholds_follow_the_28_day_window_file() -> None:
    search = slo_dashboard(SAMPLES["search-latency-28d"], WINDOWS)
    assert [value for _, value in _thresholds(search)] == [13.44, 5.6, 2.8, 0.933333]


def test_a_burn_rate_is_a_windows_error_ratio_over_the_error_budget() -> None:
    (panel,) = _panels(CHECKOUT, "Burn rate 1h / 5m")
    assert _exprs(panel) == [
        f"slo:sli_error:ratio_rate{window}{{{ON_CHECKOUT}}}\n"
        "/ on (sloth_id, sloth_slo, sloth_service) group_left\n"
        f"slo:error_budget:ratio{{{ON_CHECKOUT}}}" for window in ("1h", "5m")]
    assert panel["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] == {"mode": "dashed"}


def test_the_alert_history_reads_both_generated_alerts_of_the_service() -> None:
    (panel,) = _panels(CHECKOUT, "Alerts firing")
    assert (BURN_ALERT, ABSENT_ALERT) == ("SLOErrorBudgetBurn", "SLOMetricAbsent")
    assert _exprs(panel) == ['ALERTS{alertstate="firing", sloth_service="checkout", '
                             'alertname=~"SLOErrorBudgetBurn|SLOMetricAbsent", '
                             'sloth_slo=~"$slo"}']
    assert panel["type"] == "state-timeline"


def test_breaches_are_where_the_period_error_ratio_exceeded_the_budget() -> None:
    (panel,) = _panels(CHECKOUT, "Breaches")
    assert _exprs(panel) == [f"slo:period_burn_rate:ratio{{{ON_CHECKOUT}}} > bool 1"]
    assert panel["fieldConfig"]["defaults"]["mappings"] == [{"type": "value", "options": {
        "0": {"text": "within budget", "color": "green", "index": 0},
        "1": {"text": "budget exceeded", "color": "red", "index": 1}}}]


def test_variables_are_the_data_source_the_service_and_its_slis() -> None:
    admin = slo_dashboard(SAMPLES["quiet-admin-99"], WINDOWS)
    variables = admin["templating"]["list"]
    assert [(v["name"], v["type"], v["query"]) for v in variables] == [
        ("datasource", "datasource", "prometheus"), ("service", "constant", "admin-console"),
        ("slo", "custom", "availability,latency-p95")]
    assert {t["datasource"]["uid"] for p in admin["panels"] for t in p["targets"]} == {
        "${datasource}"}


def test_the_dashboard_is_pinned_to_schema_42_with_ids_in_order() -> None:
    assert CHECKOUT["schemaVersion"] == 42
    assert [p["id"] for p in CHECKOUT["panels"]] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [tuple(p["gridPos"].values()) for p in CHECKOUT["panels"]] == [
        (8, 12, 0, 0), (8, 12, 12, 0), (8, 12, 0, 8), (8, 12, 12, 8), (8, 12, 0, 16),
        (8, 12, 12, 16), (6, 24, 0, 24), (6, 24, 0, 30)]


def test_the_same_slo_version_gives_the_same_dashboard() -> None:
    assert slo_dashboard(SAMPLES["checkout-availability-30d"], WINDOWS) == CHECKOUT
    assert CHECKOUT["uid"] == "slo-checkout"


def test_a_service_id_that_is_a_valid_uid_is_kept_and_any_other_is_slugged_and_hashed() -> None:
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:8]

    long_id = "a-very-long-service-name-for-the-payments-platform"
    assert dashboard_uid("checkout") == "slo-checkout"
    hostile = 'pay"ments\\api'
    assert dashboard_uid(hostile) == f"slo-pay-ments-api-{digest(hostile)}"
    assert dashboard_uid("Pay.API") == f"slo-pay-api-{digest('Pay.API')}"
    assert dashboard_uid(long_id) == f"slo-a-very-long-service-name-fo-{digest(long_id)}"
    assert len(dashboard_uid(long_id)) == 40
    assert dashboard_uid("!!!") == f"slo-{digest('!!!')}"
    uids = [dashboard_uid(s) for s in ("checkout", "Pay.API", "pay-api", long_id, "!!!")]
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", uid) and len(uid) <= 40 for uid in uids)
    assert len(set(uids)) == len(uids)
    assert FLEET_UID == "slo--fleet"


def test_hostile_names_are_escaped_in_every_query() -> None:
    hostile = slo_dashboard(SAMPLES["hostile-names"], WINDOWS)
    exprs = _every_expr(hostile)
    assert all('sloth_service="pay\\"ments\\\\api"' in e for e in exprs)
    assert all('"' not in STRING_LITERAL.sub("", e) for e in exprs)
    assert hostile["title"] == 'SLO: pay"ments\\api'
    assert hostile["templating"]["list"][1]["query"] == 'pay"ments\\api'


def test_a_dashboard_shows_one_service_version_with_known_windows() -> None:
    checkout, search = SAMPLES["checkout-availability-30d"], SAMPLES["search-latency-28d"]
    with pytest.raises(InvalidSloSpec, match="the SLIs of one service's SLO version"):
        slo_dashboard([*checkout, *search], WINDOWS)
    with pytest.raises(InvalidSloSpec, match="at least one SLI"):
        slo_dashboard([], WINDOWS)
    with pytest.raises(InvalidSloSpec, match="no alert windows for a 7-day period"):
        slo_dashboard([replace(checkout[0], period_days=7)], WINDOWS)
    with pytest.raises(InvalidSloSpec, match="must be distinct"):
        slo_dashboard([*checkout, *checkout], WINDOWS)


def test_the_fleet_table_has_one_row_per_slo_with_five_columns() -> None:
    (table,) = _panels(FLEET, "SLOs")[1:]
    by_slo = "by (team, sloth_service, sloth_slo, slo_version)"
    objective = f'max {by_slo} (slo:objective:ratio{{team=~"$team"}})'
    assert _exprs(table) == [
        objective,
        f'1 - max {by_slo} (slo:sli_error:ratio_rate28d{{team=~"$team"}} '
        'or slo:sli_error:ratio_rate30d{team=~"$team"})',
        f'max {by_slo} (slo:period_error_budget_remaining:ratio{{team=~"$team"}})',
        f'max {by_slo} (slo:current_burn_rate:ratio{{team=~"$team"}})',
        f'count {by_slo} (ALERTS{{alertstate="firing", '
        f'alertname=~"SLOErrorBudgetBurn|SLOMetricAbsent", team=~"$team"}})\nor\n0 * {objective}']
    assert all(t["instant"] and t["format"] == "table" for t in table["targets"])
    organize = table["transformations"][1]["options"]["renameByName"]
    assert list(organize.values()) == ["Team", "Service", "SLO", "Version", "Objective",
                                       "SLI over the period", "Budget remaining",
                                       "Burn rate now", "Alerts firing"]


def test_the_fleet_is_filtered_by_team_all_teams_at_first() -> None:
    team = FLEET["templating"]["list"][1]
    assert (team["name"], team["type"], team["query"], team["allValue"]) == (
        "team", "query", "label_values(slo_engine_slo_info, team)", ".*")
    assert team["current"] == {"text": ["All"], "value": ["$__all"]}
    assert all('team=~"$team"' in e for e in _every_expr(FLEET))


def test_the_fleet_counts_slos_spent_budgets_pages_and_tickets() -> None:
    stats = [p for p in FLEET["panels"] if p["type"] == "stat"]
    alerts = 'ALERTS{{alertstate="firing", severity="{}", alertname=~"SLOErrorBudgetBurn|' \
             'SLOMetricAbsent", team=~"$team"}}'
    assert [(p["title"], *_exprs(p)) for p in stats] == [
        ("SLOs", 'count(slo:objective:ratio{team=~"$team"}) or vector(0)'),
        ("Out of budget", 'count(slo:period_error_budget_remaining:ratio{team=~"$team"} < 0)'
                          " or vector(0)"),
        ("Pages firing", f"count({alerts.format('page')}) or vector(0)"),
        ("Tickets open", f"count({alerts.format('ticket')}) or vector(0)")]
    assert FLEET["uid"] == FLEET_UID


def test_the_fleet_needs_an_slo() -> None:
    with pytest.raises(InvalidSloSpec, match="at least one SLO"):
        fleet_dashboard([])


def test_the_dashboard_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_generated_dashboard_passes_grafanas_dashboard_schema(name: str) -> None:
    assert _schema_errors(slo_dashboard(SAMPLES[name], WINDOWS)) == []


def test_the_fleet_overview_passes_grafanas_dashboard_schema() -> None:
    assert _schema_errors(FLEET) == []


def test_a_broken_dashboard_fails_the_schema_at_each_problem() -> None:
    broken = copy.deepcopy(CHECKOUT)
    broken["uid"] = "slo/checkout"
    broken["schemaVersion"] = 43
    broken["panels"][0]["gridPos"]["w"] = 25
    del broken["panels"][1]["type"]
    del broken["panels"][2]["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["color"]
    broken["templating"]["list"][2]["name"] = "__slo"
    assert _schema_errors(broken) == [
        "/panels/0/gridPos/w", "/panels/1", "/panels/2/fieldConfig/defaults/thresholds/steps/1",
        "/schemaVersion", "/templating/list/2/name", "/uid"]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_generated_dashboards_equal_their_golden_files(name: str, golden: Golden) -> None:
    golden.check_json(Path("dashboards") / f"{name}.json", slo_dashboard(SAMPLES[name], WINDOWS))


def test_the_fleet_overview_equals_its_golden_file(golden: Golden) -> None:
    golden.check_json(Path("dashboards") / "fleet-overview.json", FLEET)
