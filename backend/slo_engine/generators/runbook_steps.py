"""The diagnostic steps of a runbook: the PromQL to run for this SLI (its recorded series
and the counters behind them), its dependencies with their SLO status, recent drift.

Every query is built from the SLI's own selectors (`sli_selectors`, `identity_selector`),
so label values reach PromQL escaped exactly as in the generated rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slo_engine.domain.promql_text import duration, number, selector
from slo_engine.generators.alert_rules import BURN_ALERT
from slo_engine.generators.alert_windows import SeverityWindows
from slo_engine.generators.runbook_context import DependencyStatus, RunbookContext
from slo_engine.generators.sli_rules import (
    SLI_ERROR_RECORD,
    identity_selector,
    judged_bucket,
    sli_selectors,
)
from slo_engine.generators.slo_spec import SloSpec

Step = dict[str, Any]


@dataclass(frozen=True)
class SliWords:
    """How a runbook names the SLI's events."""

    share: str  # 'The share of failed requests'
    bad: str  # 'failed requests'
    good: str  # 'succeed' / 'within 300 ms'


def error_words(spec: SloSpec) -> SliWords:
    if spec.latency is None:
        return SliWords("The share of failed requests", "failed requests", "succeed")
    bound, _ = judged_bucket(spec)
    within = f"{bound * spec.metrics.duration_unit_seconds * 1000:.12g} ms"
    return SliWords(f"The share of requests slower than {within}",
                    f"requests slower than {within}", f"within {within}")


def _query(description: str, promql: str) -> dict[str, str]:
    return {"description": description, "promql": promql}


def _window_step(spec: SloSpec, severity: SeverityWindows) -> Step:
    queries = []
    for pair in severity.pairs:
        threshold = number(round(pair.factor(spec.period_days) * spec.error_budget_ratio, 12))
        for window in (pair.long_seconds, pair.short_seconds):
            record = SLI_ERROR_RECORD.format(window=duration(window))
            queries.append(_query(f"Error ratio over {duration(window)} (fires above "
                                  f"{threshold} with its pair)",
                                  identity_selector(record, spec)))
    return {"title": "See which window pair fires",
            "detail": "A pair fires while both its windows are above its threshold; the "
                      "short window falls first once the burn stops.",
            "queries": queries}


def _counter_step(spec: SloSpec) -> Step:
    selectors = sli_selectors(spec)
    if spec.latency is None:
        code = spec.metrics.code_label
        queries = [_query("Failed requests per second", f"sum(rate({selectors.failed}[5m]))"),
                   _query(f"Failed requests per second by {code}",
                          f"sum by ({code}) (rate({selectors.failed}[5m]))")]
    else:
        within = error_words(spec).good
        every = selector(spec.metrics.duration_bucket_metric,
                         spec.metrics.service_matchers(spec.service_id))
        queries = [_query(f"Requests {within} per second", f"sum(rate({selectors.failed}[5m]))"),
                   _query("Requests per second by bucket", f"sum by (le) (rate({every}[5m]))")]
    queries.append(_query("All requests per second", f"sum(rate({selectors.total}[5m]))"))
    return {"title": "Look at the requests behind the ratio",
            "detail": f"Whether {error_words(spec).bad} rose or the traffic changed shape, "
                      "over the last 5 minutes.",
            "queries": queries}


def _budget_step(spec: SloSpec) -> Step:
    period = duration(spec.period_days * 86_400)
    return {"title": "Check the error budget left",
            "detail": f"What is left of the {period} budget, and the burn rate over the "
                      "whole period (1 spends it exactly).",
            "queries": [
                _query("Share of the period's budget left",
                       identity_selector("slo:period_error_budget_remaining:ratio", spec)),
                _query("Burn rate over the period",
                       identity_selector("slo:period_burn_rate:ratio", spec)),
                _query(f"Error ratio over {period}",
                       identity_selector(SLI_ERROR_RECORD.format(window=period), spec))]}


def burn_steps(spec: SloSpec, severity: SeverityWindows) -> list[Step]:
    return [_window_step(spec, severity), _counter_step(spec), _budget_step(spec)]


def _metric_selector(metric: str, matchers: dict[str, str]) -> str:
    return selector(metric, matchers) if matchers else metric


def absent_steps(spec: SloSpec) -> list[Step]:
    metrics = spec.metrics
    service = metrics.service_matchers(spec.service_id)
    metric = metrics.requests_metric if spec.latency is None else metrics.duration_bucket_metric
    total = sli_selectors(spec).total
    return [
        {"title": "Confirm the series is gone",
         "detail": "The alert's own expression, and which metrics the service still "
                   "exports under its labels.",
         "queries": [_query("Empty while the series exists", f"absent({total})"),
                     _query("Series the service still exports, by metric",
                            f"count by (__name__) ({selector('', service)})")]},
        {"title": "Look for a renamed label or metric",
         "detail": f"Which values of {metrics.service_label} the metric has now: a new "
                   "value means the service label changed, none means the metric did.",
         "queries": [_query(f"Series of {metric} by {metrics.service_label}",
                            f"count by ({metrics.service_label}) "
                            f"({_metric_selector(metric, metrics.extra_matchers)})")]},
        {"title": "Check the scrape",
         "detail": "Whether Prometheus still reaches the service's targets (where the scrape "
                   "configuration gives them the service's labels).",
         "queries": [_query("Scrape health of the service's targets (1 is up)",
                            selector("up", service))]},
    ]


def dependency_entry(dependency: DependencyStatus) -> dict[str, Any]:
    return {"service_id": dependency.service_id, "criticality": dependency.criticality,
            "objective_ratio": dependency.objective_ratio,
            "availability_observed_ratio": dependency.availability_observed_ratio,
            "status": dependency.status}


def _count(count: int, criticality: str) -> str:
    return f"{count} {criticality} {'dependency' if count == 1 else 'dependencies'}"


def _dependency_detail(context: RunbookContext, burning: bool) -> str:
    hard = context.hard_dependencies
    if not burning:
        return ("A dependency's outage does not remove this service's series, but one that "
                "crashed the service would: check them if the service itself is down.")
    if not hard:
        return "The graph lists no hard dependency of this service: the errors are its own."
    return (f"{_count(len(hard), 'hard')}: a failing one fails this service's requests. "
            "Check whether one is below its objective or burning now.")


def _dependency_step(context: RunbookContext, burning: bool) -> Step:
    hard, soft = context.hard_dependencies, context.soft_dependencies
    detail = _dependency_detail(context, burning)
    if soft and burning:
        detail += (f" {_count(len(soft), 'soft')} should degrade requests, not fail them: "
                   "suspect one only if its fallback is broken.")
    queries = [_query(f"Burn alerts firing for {d.service_id}",
                      selector("ALERTS", {"alertname": BURN_ALERT, "alertstate": "firing",
                                          "sloth_service": d.service_id})) for d in hard]
    step = {"title": "Check the hard dependencies", "detail": detail,
            "dependencies": [dependency_entry(d) for d in (*hard, *soft)]}
    return {**step, "queries": queries} if queries else step


def _drift_step(context: RunbookContext) -> Step:
    events = context.recent_drift
    detail = ("Drift events from the audit trail, newest first: a recent change in traffic or "
              "error behaviour often explains a burn." if events else
              "The audit trail holds no recent drift event for this service.")
    return {"title": "Look at recent drift", "detail": detail,
            "events": [{"when": e.when, "summary": e.summary} for e in events]}


def context_steps(context: RunbookContext, burning: bool) -> list[Step]:
    """What the graph and the audit trail add: dependencies, then drift."""
    return [_dependency_step(context, burning), _drift_step(context)]
