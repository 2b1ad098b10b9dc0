"""Grafana dashboards over the series the rule generators record: one per service's SLO
version (all its SLIs) and one fleet overview, in Grafana's classic JSON model pinned to
schemaVersion 42 (the last of the v1 dashboard API).

Every label value written into PromQL is escaped (`promql_text`). Grafana interpolates only
two variables into queries: `$slo`, whose values are SLI names of a fixed alphabet, and the
fleet's `$team`, which Grafana escapes for a regex but, without its feature toggle
`prometheusSpecialCharsInLabelValues`, not for a double quote in a team's name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

from slo_engine.domain.promql_text import duration, number, selector
from slo_engine.generators.alert_rules import ABSENT_ALERT, BURN_ALERT
from slo_engine.generators.alert_windows import AlertWindows, SeverityWindows, WindowPair
from slo_engine.generators.grafana_panels import (
    STAT_OPTIONS,
    STATE_OPTIONS,
    TIME_SERIES_OPTIONS,
    JsonObject,
    Panel,
    Query,
    builtin_annotation,
    constant_variable,
    custom_variable,
    dashboards_link,
    datasource_variable,
    layout,
    line_defaults,
    prometheus_annotation,
    query_variable,
    state_defaults,
    thresholds,
    url_link,
)
from slo_engine.generators.meta_rules import INFO_RECORD
from slo_engine.generators.number_text import percent
from slo_engine.generators.rule_pipeline import InvalidSloSpec
from slo_engine.generators.sli_rules import SLI_ERROR_RECORD
from slo_engine.generators.slo_spec import SloSpec

SCHEMA_VERSION = 42
DASHBOARD_GENERATOR_VERSION = "1"  # bump when the dashboards change for the same SLOs
TAG = "slo-engine"
UID_PREFIX = "slo-"
UID_MAX_LENGTH = 40  # Grafana refuses longer uids
# No service's uid holds '--' (slugs collapse runs of '-'), so no service can take this one.
FLEET_UID = "slo--fleet"
ALERT_NAMES = f"{BURN_ALERT}|{ABSENT_ALERT}"
SLI_NAME = re.compile(r"[a-z0-9-]+")
_ON_SLOTH_IDS = "on (sloth_id, sloth_slo, sloth_service) group_left"
_FLEET_KEYS = "team, sloth_service, sloth_slo, slo_version"
_SEVERITY_COLORS = {"page": "red", "ticket": "orange"}
BURN_RATE_UNIT = "suffix:x"  # Grafana's custom unit: 14.4x


def dashboard_uid(service_id: str) -> str:
    """`slo-<service>` when that is already a valid uid in lowercase: Grafana's rules
    ([a-zA-Z0-9_-], at most 40 characters) and a Kubernetes name's (lowercase, for the
    v1 resource API). Otherwise the id's slug cut to fit and the first 8 hex digits of
    its SHA-256, so ids that slug alike ('Pay.API', 'pay-api') keep apart."""
    slug = re.sub(r"[^a-z0-9]+", "-", service_id.lower()).strip("-")
    if slug == service_id and len(UID_PREFIX + slug) <= UID_MAX_LENGTH:
        return UID_PREFIX + slug
    digest = hashlib.sha256(service_id.encode()).hexdigest()[:8]
    room = UID_MAX_LENGTH - len(UID_PREFIX) - len(digest) - 1
    return f"{(UID_PREFIX + slug[:room]).rstrip('-')}-{digest}"


def _service_series(record: str, service_id: str, equal: Mapping[str, str] | None = None,
                    regex: Mapping[str, str] | None = None) -> str:
    """A generated series of the service's SLIs chosen in `$slo`."""
    return selector(record, {**(equal or {}), "sloth_service": service_id},
                    {**(regex or {}), "sloth_slo": "$slo"})


def _one_version(specs: Sequence[SloSpec], windows: Mapping[int, AlertWindows]
                 ) -> tuple[SloSpec, AlertWindows]:
    """The specs are the SLIs of one service's SLO version, with alert windows."""
    if not specs:
        raise InvalidSloSpec("a dashboard needs at least one SLI")
    first = specs[0]
    version = (first.service_id, first.slo_id, first.version, first.period_days)
    if any((s.service_id, s.slo_id, s.version, s.period_days) != version for s in specs):
        raise InvalidSloSpec(f"{first.service_id}: a dashboard shows the SLIs of one "
                             "service's SLO version, with one period")
    names = [s.sli_name for s in specs]
    if len(set(names)) != len(names) or not all(SLI_NAME.fullmatch(n) for n in names):
        raise InvalidSloSpec(f"{first.service_id}: SLI names {names} must be distinct and "
                             "of a-z, 0-9 and '-' (Grafana puts them into queries as is)")
    if first.period_days not in windows:
        raise InvalidSloSpec(f"{first.rule_id}: no alert windows for a {first.period_days}-"
                             f"day period (known: {sorted(windows)} days)")
    return first, windows[first.period_days]


def _sli_panel(service_id: str, windows: AlertWindows) -> Panel:
    shortest = duration(windows.windows_seconds[0])
    period = duration(windows.period_days * 86_400)
    queries = tuple(
        Query(f"1 - {_service_series(SLI_ERROR_RECORD.format(window=w), service_id)}",
              f"{{{{sloth_slo}}}} SLI over {w}") for w in (shortest, period))
    objective = Query(_service_series("slo:objective:ratio", service_id),
                      "{{sloth_slo}} objective")
    return Panel("timeseries", "SLI against its objective",
                 f"The share of good requests (1 - error ratio) over {shortest} and over the "
                 f"{period} period, against the objective: below it, the SLO is missed.",
                 (*queries, objective), {**line_defaults("percentunit"), "decimals": 3},
                 TIME_SERIES_OPTIONS)


def _budget_panel(service_id: str, period_days: int) -> Panel:
    remaining = _service_series("slo:period_error_budget_remaining:ratio", service_id)
    return Panel("timeseries", f"Error budget remaining over {period_days}d",
                 f"1 - (error ratio over {period_days}d / error budget): 100% untouched, "
                 "0% spent, below 0 the SLO is breached.",
                 (Query(remaining, "{{sloth_slo}} budget remaining"),),
                 {**line_defaults("percentunit", [(0.0, "green")], base_color="red"),
                  "decimals": 1}, TIME_SERIES_OPTIONS)


def _burn_query(service_id: str, window_seconds: int) -> Query:
    window = duration(window_seconds)
    ratio = _service_series(SLI_ERROR_RECORD.format(window=window), service_id)
    budget = _service_series("slo:error_budget:ratio", service_id)
    return Query(f"{ratio}\n/ {_ON_SLOTH_IDS}\n{budget}",
                 f"{{{{sloth_slo}}}} burn rate over {window}")


def _burn_panel(service_id: str, severity: SeverityWindows, pair: WindowPair,
                period_days: int) -> Panel:
    factor = pair.factor(period_days)
    long, short = duration(pair.long_seconds), duration(pair.short_seconds)
    color = _SEVERITY_COLORS.get(severity.severity, "red")
    return Panel(
        "timeseries", f"Burn rate {long} / {short}: {severity.severity} above {number(factor)}x",
        f"Error ratio / error budget over {long} and {short}. {BURN_ALERT} fires "
        f"({severity.severity}) while both exceed {number(factor)}x (the dashed line): "
        f"{percent(pair.budget_share, 4)} of the {period_days}d budget spent in {long}.",
        (_burn_query(service_id, pair.long_seconds),
         _burn_query(service_id, pair.short_seconds)),
        {**line_defaults(BURN_RATE_UNIT, [(factor, color)]), "decimals": 2, "min": 0},
        TIME_SERIES_OPTIONS)


def _burn_panels(service_id: str, windows: AlertWindows) -> list[Panel]:
    return [_burn_panel(service_id, severity, pair, windows.period_days)
            for severity in windows.severities for pair in severity.pairs]


def _alerts_panel(service_id: str) -> Panel:
    alerts = _service_series("ALERTS", service_id, {"alertstate": "firing"},
                             {"alertname": ALERT_NAMES})
    return Panel("state-timeline", "Alerts firing",
                 f"When {BURN_ALERT} and {ABSENT_ALERT} fired, by severity and SLI.",
                 (Query(alerts, "{{alertname}} {{severity}} {{sloth_slo}}"),),
                 state_defaults({"1": ("firing", "red")}), STATE_OPTIONS, width=24, height=6)


def _breach_panel(service_id: str, period_days: int) -> Panel:
    burn = _service_series("slo:period_burn_rate:ratio", service_id)
    return Panel("state-timeline", "Breaches",
                 f"When the error ratio over {period_days}d exceeded the error budget "
                 "(period burn rate above 1): the SLO was missed.",
                 (Query(f"{burn} > bool 1", "{{sloth_slo}}"),),
                 state_defaults({"0": ("within budget", "green"),
                                 "1": ("budget exceeded", "red")}),
                 STATE_OPTIONS, width=24, height=6)


def _dashboard(uid: str, title: str, description: str, panels: Sequence[Panel],
               variables: list[JsonObject], annotations: list[JsonObject],
               links: list[JsonObject], time_from: str) -> JsonObject:
    return {"uid": uid, "title": title, "description": description, "tags": [TAG],
            "editable": False, "graphTooltip": 1, "timezone": "utc", "liveNow": False,
            "fiscalYearStartMonth": 0, "time": {"from": time_from, "to": "now"},
            "timepicker": {}, "refresh": "1m", "schemaVersion": SCHEMA_VERSION,
            "panels": layout(panels), "templating": {"list": variables},
            "annotations": {"list": annotations}, "links": links}


def _provenance(specs: Sequence[SloSpec]) -> str:
    first = specs[0]
    objectives = ", ".join(f"{s.sli_name} {percent(s.objective_ratio, 4)}" for s in specs)
    team = f", team {first.team}" if first.team else ""
    return (f"Service {first.service_id}{team}: SLO {first.slo_id} v{first.version}, "
            f"{objectives} over {first.period_days}d. Generated by slo-engine (dashboard "
            f"generator {DASHBOARD_GENERATOR_VERSION}): do not edit, regenerate.")


def slo_dashboard(specs: Sequence[SloSpec], windows: Mapping[int, AlertWindows]
                  ) -> JsonObject:
    """Every SLI of one service's SLO version: SLI against objective, budget remaining,
    burn rate per alert window pair with its threshold, alerts fired, breaches."""
    first, window_set = _one_version(specs, windows)
    service = first.service_id
    panels = [_sli_panel(service, window_set), _budget_panel(service, first.period_days),
              *_burn_panels(service, window_set), _alerts_panel(service),
              _breach_panel(service, first.period_days)]
    pages = selector("ALERTS", {"alertstate": "firing", "severity": "page",
                                "sloth_service": service}, {"alertname": ALERT_NAMES})
    return _dashboard(
        dashboard_uid(service), f"SLO: {service}", _provenance(specs), panels,
        [datasource_variable(), constant_variable("service", "Service", service),
         custom_variable("slo", "SLO", [s.sli_name for s in specs])],
        [builtin_annotation(),
         prometheus_annotation("Pages", pages, "{{alertname}} {{sloth_slo}}", "red")],
        [url_link("SLO fleet overview", f"/d/{FLEET_UID}"),
         dashboards_link("SLO dashboards", TAG)],
        f"now-{first.period_days}d")


def _fleet_series(record: str, equal: Mapping[str, str] | None = None,
                  regex: Mapping[str, str] | None = None) -> str:
    """A generated series of the teams chosen in `$team` (all: '.*', which also matches
    SLOs without a team)."""
    return selector(record, dict(equal or {}), {**(regex or {}), "team": "$team"})


def _per_slo(expr: str, aggregation: str = "max") -> str:
    return f"{aggregation} by ({_FLEET_KEYS}) ({expr})"


def _fleet_alerts(severity: str | None = None) -> str:
    equal = {"alertstate": "firing", **({"severity": severity} if severity else {})}
    return _fleet_series("ALERTS", equal, {"alertname": ALERT_NAMES})


def _fleet_queries(periods: Sequence[int]) -> tuple[Query, ...]:
    """Objective, SLI over the period, budget remaining, burn rate now and alerts firing
    (0 when none), one row per SLO: refIds A to E."""
    period_ratio = " or ".join(
        _fleet_series(SLI_ERROR_RECORD.format(window=duration(days * 86_400)))
        for days in periods)
    objective = _per_slo(_fleet_series("slo:objective:ratio"))
    exprs = (objective, f"1 - {_per_slo(period_ratio)}",
             _per_slo(_fleet_series("slo:period_error_budget_remaining:ratio")),
             _per_slo(_fleet_series("slo:current_burn_rate:ratio")),
             f"{_per_slo(_fleet_alerts(), 'count')}\nor\n0 * {objective}")
    return tuple(Query(expr, instant=True, table=True) for expr in exprs)


# (refId's value column, its title, unit, decimals, cell colours: base and (value, colour))
FLEET_COLUMNS: tuple[tuple[str, str, str, int, tuple[str, tuple[tuple[float, str], ...]]
                           | None], ...] = (
    ("A", "Objective", "percentunit", 3, None),
    ("B", "SLI over the period", "percentunit", 3, None),
    ("C", "Budget remaining", "percentunit", 1, ("red", ((0.0, "orange"), (0.25, "green")))),
    ("D", "Burn rate now", BURN_RATE_UNIT, 2, ("green", ((1.0, "orange"),))),
    ("E", "Alerts firing", "none", 0, ("green", ((1.0, "red"),))),
)
FLEET_LABELS = {"team": "Team", "sloth_service": "Service", "sloth_slo": "SLO",
                "slo_version": "Version"}


def _column_override(title: str, unit: str, decimals: int,
                     colours: tuple[str, tuple[tuple[float, str], ...]] | None) -> JsonObject:
    properties: list[JsonObject] = [{"id": "unit", "value": unit},
                                    {"id": "decimals", "value": decimals}]
    if colours is not None:
        properties += [{"id": "thresholds", "value": thresholds(colours[0], colours[1])},
                       {"id": "color", "value": {"mode": "thresholds"}},
                       {"id": "custom.cellOptions", "value": {"type": "color-background"}}]
    return {"matcher": {"id": "byName", "options": title}, "properties": properties}


def _fleet_transformations() -> tuple[JsonObject, ...]:
    """The five queries' rows merged on their labels, then columns named and ordered."""
    renames = {**FLEET_LABELS, **{f"Value #{ref}": title for ref, title, *_ in FLEET_COLUMNS}}
    order = {name: index for index, name in enumerate(renames)}
    return ({"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": {"Time": True},
                                           "renameByName": renames, "indexByName": order}})


def _fleet_table(periods: Sequence[int]) -> Panel:
    return Panel(
        "table", "SLOs",
        "One row per SLI: its objective, the SLI over its period, the error budget left, "
        "the burn rate over the last 5 minutes and how many of its alerts fire now.",
        _fleet_queries(periods), {"custom": {"align": "auto", "filterable": True}},
        {"showHeader": True, "cellHeight": "sm",
         "sortBy": [{"displayName": "Budget remaining", "desc": False}]},
        tuple(_column_override(title, unit, decimals, colours)
              for _, title, unit, decimals, colours in FLEET_COLUMNS),
        _fleet_transformations(), width=24, height=16)


def _stat(title: str, description: str, expr: str, steps: Sequence[tuple[float, str]],
          base_color: str = "green") -> Panel:
    return Panel("stat", title, description, (Query(f"{expr} or vector(0)", instant=True),),
                 {"unit": "none", "decimals": 0, "color": {"mode": "thresholds"},
                  "thresholds": thresholds(base_color, steps)},
                 STAT_OPTIONS, width=6, height=4)


def _fleet_stats() -> list[Panel]:
    remaining = _fleet_series("slo:period_error_budget_remaining:ratio")
    return [
        _stat("SLOs", "SLIs with generated rules.",
              f"count({_fleet_series('slo:objective:ratio')})", (), base_color="blue"),
        _stat("Out of budget", "SLIs whose error budget for the period is spent.",
              f"count({remaining} < 0)", [(1.0, "red")]),
        _stat("Pages firing", f"{BURN_ALERT} and {ABSENT_ALERT} alerts paging now.",
              f"count({_fleet_alerts('page')})", [(1.0, "red")]),
        _stat("Tickets open", "Burn-rate alerts of ticket severity firing now.",
              f"count({_fleet_alerts('ticket')})", [(1.0, "orange")])]


def fleet_dashboard(specs: Sequence[SloSpec]) -> JsonObject:
    """Every SLO of the fleet, filterable by team: counts on top, then a table of
    services with objective, SLI over the period, budget remaining, current burn rate
    and alerts firing, the least budget left first. The specs give the period lengths."""
    periods = sorted({spec.period_days for spec in specs})
    if not periods:
        raise InvalidSloSpec("the fleet overview needs at least one SLO")
    team = query_variable("team", "Team", f"label_values({INFO_RECORD}, team)", ".*")
    description = (f"Every SLO slo-engine generates rules for (periods: "
                   f"{', '.join(f'{d}d' for d in periods)}). Generated by slo-engine "
                   f"(dashboard generator {DASHBOARD_GENERATOR_VERSION}): do not edit, "
                   "regenerate.")
    return _dashboard(FLEET_UID, "SLO fleet overview", description,
                      [*_fleet_stats(), _fleet_table(periods)],
                      [datasource_variable(), team], [builtin_annotation()],
                      [dashboards_link("SLO dashboards", TAG)], "now-24h")
