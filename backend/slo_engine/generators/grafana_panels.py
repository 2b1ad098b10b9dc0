"""Grafana's classic (v1) dashboard JSON built from values: panels laid out on the 24-column
grid, Prometheus targets, thresholds, value mappings, variables and annotations. Knows the
JSON model only; what the panels show is `grafana_dashboards.py`'s business.

Field names follow Grafana's documented JSON model (schemaVersion 42, the last of the v1
dashboard API); `schemas/grafana-dashboard-v1.schema.json` checks the output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GRID_COLUMNS = 24
DATASOURCE_VARIABLE = "datasource"
DATASOURCE: dict[str, str] = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}
ALL = {"text": ["All"], "value": ["$__all"]}

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Query:
    """One PromQL target: a range query drawn over time, or an instant one (a stat, or a
    table's rows when `table`)."""

    expr: str
    legend: str = ""
    instant: bool = False
    table: bool = False


@dataclass(frozen=True)
class Panel:
    """A panel before layout: its id and grid position are given by `layout`."""

    kind: str  # Grafana's panel plugin id: timeseries, state-timeline, table, stat
    title: str
    description: str
    queries: tuple[Query, ...]
    defaults: Mapping[str, Any] = field(default_factory=dict)  # fieldConfig.defaults
    options: Mapping[str, Any] = field(default_factory=dict)
    overrides: tuple[JsonObject, ...] = ()
    transformations: tuple[JsonObject, ...] = ()
    width: int = 12
    height: int = 8


def targets(queries: Sequence[Query]) -> list[JsonObject]:
    """Targets with refIds A, B, C, ... in order, each on the dashboard's data source."""
    if len(queries) > 26:
        raise ValueError("a panel holds at most 26 queries (refIds A to Z)")
    return [_target(chr(ord("A") + i), query) for i, query in enumerate(queries)]


def _target(ref_id: str, query: Query) -> JsonObject:
    return {"refId": ref_id, "datasource": DATASOURCE, "editorMode": "code",
            "expr": query.expr, "legendFormat": query.legend, "range": not query.instant,
            "instant": query.instant, "format": "table" if query.table else "time_series"}


def layout(panels: Sequence[Panel]) -> list[JsonObject]:
    """Ids 1, 2, ... in order; panels fill the grid left to right, a new row starting
    below the tallest panel of the row when the next one does not fit."""
    placed, x, y, row_height = [], 0, 0, 0
    for panel_id, panel in enumerate(panels, start=1):
        if x + panel.width > GRID_COLUMNS:
            x, y, row_height = 0, y + row_height, 0
        placed.append(panel_json(panel_id, panel, {"h": panel.height, "w": panel.width,
                                                 "x": x, "y": y}))
        x, row_height = x + panel.width, max(row_height, panel.height)
    return placed


def panel_json(panel_id: int, panel: Panel, grid: Mapping[str, int]) -> JsonObject:
    body: JsonObject = {
        "id": panel_id, "type": panel.kind, "title": panel.title,
        "description": panel.description, "gridPos": dict(grid), "datasource": DATASOURCE,
        "targets": targets(panel.queries),
        "fieldConfig": {"defaults": dict(panel.defaults), "overrides": list(panel.overrides)},
        "options": dict(panel.options)}
    if panel.transformations:
        body["transformations"] = list(panel.transformations)
    return body


def thresholds(base_color: str, steps: Sequence[tuple[float, str]] = ()) -> JsonObject:
    """Absolute thresholds: the base colour from minus infinity (null in Grafana's JSON),
    then each (value, colour) step in ascending order."""
    return {"mode": "absolute", "steps": [
        {"color": base_color, "value": None},
        *({"color": color, "value": value} for value, color in sorted(steps))]}


def line_defaults(unit: str, steps: Sequence[tuple[float, str]] = (),
                  base_color: str = "green") -> JsonObject:
    """A time series' field defaults; thresholds, when given, drawn as dashed lines."""
    return {"unit": unit, "color": {"mode": "palette-classic"},
            "thresholds": thresholds(base_color, steps),
            "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 0,
                       "showPoints": "never", "spanNulls": False,
                       "thresholdsStyle": {"mode": "dashed" if steps else "off"}}}


def value_mappings(texts: Mapping[str, tuple[str, str]]) -> list[JsonObject]:
    """One value mapping: each value to its (display text, colour)."""
    options = {value: {"text": text, "color": color, "index": index}
               for index, (value, (text, color)) in enumerate(texts.items())}
    return [{"type": "value", "options": options}]


def state_defaults(texts: Mapping[str, tuple[str, str]]) -> JsonObject:
    return {"color": {"mode": "thresholds"}, "thresholds": thresholds("green"),
            "mappings": value_mappings(texts), "custom": {"fillOpacity": 80, "lineWidth": 0}}


TIME_SERIES_OPTIONS: JsonObject = {
    "legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
               "calcs": ["lastNotNull", "min", "max"]},
    "tooltip": {"mode": "multi", "sort": "none"}}
STATE_OPTIONS: JsonObject = {
    "mergeValues": True, "showValue": "never", "rowHeight": 0.9, "alignValue": "left",
    "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
    "tooltip": {"mode": "single", "sort": "none"}}
STAT_OPTIONS: JsonObject = {
    "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
    "colorMode": "background", "graphMode": "none", "justifyMode": "auto",
    "orientation": "auto", "textMode": "value"}


def datasource_variable() -> JsonObject:
    """The Prometheus data source every target reads, chosen on the dashboard."""
    return {"name": DATASOURCE_VARIABLE, "label": "Data source", "type": "datasource",
            "query": "prometheus", "current": {}, "hide": 0, "refresh": 1, "regex": "",
            "options": [], "skipUrlSync": False}


def constant_variable(name: str, label: str, value: str) -> JsonObject:
    """A fixed value (hidden): what this dashboard is for, for links and titles."""
    return {"name": name, "label": label, "type": "constant", "query": value,
            "current": {"text": value, "value": value}, "hide": 2, "skipUrlSync": False,
            "options": [{"text": value, "value": value, "selected": True}]}


def custom_variable(name: str, label: str, values: Sequence[str]) -> JsonObject:
    """A multi-value choice among fixed values, all selected at first. Grafana splits
    the query on commas, so a value holding one is refused."""
    if any("," in value for value in values):
        raise ValueError(f"variable {name}: a custom variable's value cannot hold a comma")
    options = [{"text": "All", "value": "$__all", "selected": True},
               *({"text": v, "value": v, "selected": False} for v in values)]
    return {"name": name, "label": label, "type": "custom", "query": ",".join(values),
            "current": ALL, "options": options, "multi": True, "includeAll": True,
            "hide": 0, "skipUrlSync": False}


def query_variable(name: str, label: str, query: str, all_value: str) -> JsonObject:
    """A multi-value choice among what Prometheus answers (`label_values(...)`), all
    selected at first; `all_value` is what "All" puts into a regex matcher."""
    return {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
            "query": query, "definition": query,
            "current": ALL, "options": [], "multi": True, "includeAll": True,
            "allValue": all_value, "refresh": 2, "sort": 1, "regex": "", "hide": 0,
            "skipUrlSync": False}


def builtin_annotation() -> JsonObject:
    """Grafana's own annotations and alerts, as every new dashboard has them."""
    return {"builtIn": 1, "name": "Annotations & Alerts", "type": "dashboard",
            "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
            "hide": True, "iconColor": "rgba(0, 211, 255, 1)"}


def prometheus_annotation(name: str, expr: str, title: str, color: str) -> JsonObject:
    """Marks on every time series where `expr` has a sample (e.g. a firing alert)."""
    return {"name": name, "datasource": DATASOURCE, "enable": True, "hide": False,
            "iconColor": color, "expr": expr, "step": "1m", "titleFormat": title,
            "tagKeys": "severity,sloth_slo", "useValueForTime": False}


def dashboards_link(title: str, tag: str) -> JsonObject:
    """A drop-down of every dashboard carrying `tag`."""
    return {"title": title, "type": "dashboards", "tags": [tag], "asDropdown": True,
            "icon": "external link", "tooltip": "", "url": "", "includeVars": False,
            "keepTime": True, "targetBlank": False}


def url_link(title: str, url: str) -> JsonObject:
    return {"title": title, "type": "link", "tags": [], "asDropdown": False,
            "icon": "dashboard", "tooltip": "", "url": url, "includeVars": False,
            "keepTime": True, "targetBlank": False}
