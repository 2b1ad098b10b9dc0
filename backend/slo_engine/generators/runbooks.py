"""Runbooks for the alerts of one SLI: one per burn-rate severity (page, ticket) and one
for absent data. Each is a document (its fields in `schemas/runbook.schema.json`) saying
what fired, with the numbers (triggers), what to look at, with the PromQL to run and the
service's dependencies and recent drift (steps), and what to do (mitigation); Markdown is
rendered from the same document (`runbook_markdown`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slo_engine.domain.promql_text import duration, number
from slo_engine.generators.alert_rules import (
    ABSENT_ALERT,
    BURN_ALERT,
    AlertOptions,
    absent_for_seconds,
)
from slo_engine.generators.alert_windows import AlertWindows, SeverityWindows
from slo_engine.generators.number_text import percent
from slo_engine.generators.rule_formats import object_name
from slo_engine.generators.rule_model import yaml_text
from slo_engine.generators.runbook_context import RunbookContext
from slo_engine.generators.runbook_markdown import runbook_markdown
from slo_engine.generators.runbook_steps import (
    absent_steps,
    burn_steps,
    context_steps,
    error_words,
)
from slo_engine.generators.sli_rules import rule_labels, sli_selectors
from slo_engine.generators.slo_spec import SloSpec

RUNBOOK_KIND = "Runbook"
RUNBOOK_VERSION = 1
ABSENT_KEY = "absent-data"


@dataclass(frozen=True)
class Runbook:
    key: str  # '<sli>-<severity>-burn' or '<sli>-absent-data': unique within a service
    document: dict[str, Any]

    @property
    def yaml(self) -> str:
        return yaml_text(self.document)

    @property
    def markdown(self) -> str:
        return runbook_markdown(self.document)


def _budget_lasts(spec: SloSpec, factor: float) -> str:
    """How long the whole period's budget lasts at a burn rate: period / factor."""
    hours = spec.period_days * 24 / factor
    return f"{hours / 24:.3g}d" if hours >= 72 else f"{hours:.3g}h"


def _objective_text(spec: SloSpec) -> str:
    return (f"{percent(spec.objective_ratio)} of requests "
            f"{'succeed' if spec.latency is None else error_words(spec).good} over "
            f"{spec.period_days}d")


def _header(spec: SloSpec, key: str, title: str, alert: str, severity: str
            ) -> dict[str, Any]:
    matchers = {"alertname": alert, **{k: rule_labels(spec)[k] for k in
                                       ("sloth_id", "sloth_service", "sloth_slo")},
                "severity": severity}
    links = {name: url for name, url in (("runbook_url", spec.runbook_url),
                                         ("dashboard_url", spec.dashboard_url)) if url}
    return {
        "kind": RUNBOOK_KIND, "version": RUNBOOK_VERSION,
        "name": object_name(spec.service_id, *key.split("-")), "title": title,
        "alert": {"name": alert, "severity": severity, "matchers": matchers},
        "service": {"id": spec.service_id, "team": spec.team},
        "slo": {"id": spec.slo_id, "version": spec.version, "sli": spec.sli_name,
                "kind": spec.kind, "objective_ratio": spec.objective_ratio,
                "error_budget_ratio": spec.error_budget_ratio,
                "period_days": spec.period_days, "objective": _objective_text(spec)},
        **({"links": links} if links else {}),
    }


def burn_triggers(spec: SloSpec, severity: SeverityWindows, options: AlertOptions
                  ) -> list[dict[str, Any]]:
    """One trigger per window pair: either pair alone fires the alert."""
    triggers = []
    for pair in severity.pairs:
        factor = pair.factor(spec.period_days)
        threshold = round(factor * spec.error_budget_ratio, 12)
        long, short = duration(pair.long_seconds), duration(pair.short_seconds)
        summary = (f"{error_words(spec).share} exceeded {number(factor)}x the error budget "
                   f"({percent(threshold)}) over both {long} and {short}, with at least "
                   f"{options.min_events} requests in {long}: {percent(pair.budget_share)} of "
                   f"the {spec.period_days}d budget spent in {long}. At this rate the whole "
                   f"budget lasts {_budget_lasts(spec, factor)}.")
        triggers.append({"summary": summary, "long_window": long, "short_window": short,
                         "burn_rate": factor, "error_ratio_threshold": threshold,
                         "budget_share": pair.budget_share, "min_events": options.min_events})
    return triggers


def _burn_mitigation(spec: SloSpec, severity: SeverityWindows, paging: bool
                     ) -> list[dict[str, str]]:
    fastest = severity.pairs[0]
    long = duration(min(p.long_seconds for p in severity.pairs))
    shorts = " / ".join(duration(p.short_seconds) for p in severity.pairs)
    lasts = _budget_lasts(spec, fastest.factor(spec.period_days))
    first = ({"title": "Undo the latest change",
              "detail": f"If a deploy, configuration or feature-flag change reached "
                        f"{spec.service_id} within the last {long}, roll it back before "
                        "debugging: it is the most common cause and the fastest fix."}
             if paging else
             {"title": "Find the steady cause",
              "detail": f"A {severity.severity} burn is slow (the budget lasts {lasts} at "
                        f"{number(fastest.factor(spec.period_days))}x): compare the error "
                        "ratio before and after recent deploys and drift events, and look for "
                        "one endpoint, client or instance that carries most of the errors."})
    return [
        first,
        {"title": "Escalate to a burning hard dependency",
         "detail": "If a hard dependency above is below its objective or its own burn alert "
                   "fires, page its owners and mitigate on this side (timeouts, retries with "
                   "budgets, fallbacks, circuit breakers) rather than debug this service."},
        {"title": "Contain the blast radius",
         "detail": "If the errors come from one instance, zone or client, drain or block it; "
                   "if from overload, scale out or shed load."},
        {"title": "Confirm recovery" if paging else "Plan the fix within the budget",
         "detail": (f"The alert resolves once the short windows ({shorts}) fall below the "
                    "threshold; write down the budget spent for the review."
                    if paging else
                    "Schedule the fix before the budget left runs out; if the objective "
                    f"itself is beyond what {spec.service_id} can reach, propose a new SLO "
                    "version in slo-engine rather than silencing the ticket.")},
    ]


def burn_runbook(spec: SloSpec, severity: SeverityWindows, windows: AlertWindows,
                 context: RunbookContext, options: AlertOptions) -> Runbook:
    key = f"{spec.sli_name}-{severity.severity}-burn"
    paging = severity.severity == windows.fastest_page.severity
    title = (f"{spec.service_id}: {spec.sli_name} error budget burning "
             f"{'fast' if paging else 'steadily'} ({severity.severity})")
    document = {**_header(spec, key, title, BURN_ALERT, severity.severity),
                "triggers": burn_triggers(spec, severity, options),
                "steps": [*burn_steps(spec, severity), *context_steps(context, burning=True)],
                "mitigation": _burn_mitigation(spec, severity, paging)}
    return Runbook(key, document)


def absent_runbook(spec: SloSpec, windows: AlertWindows, context: RunbookContext
                   ) -> Runbook:
    key = f"{spec.sli_name}-{ABSENT_KEY}"
    severity = windows.fastest_page.severity
    wait = duration(absent_for_seconds(spec, windows))
    total = sli_selectors(spec).total
    trigger = {"summary": f"No series matched {total} for {wait} (as long as a full outage "
                          "takes to page): the SLI, its burn-rate alerts and its error budget "
                          "are blind until it returns.",
               "for": wait, "promql": f"absent({total})"}
    metrics = spec.metrics
    field, metric = (("requests_metric", metrics.requests_metric) if spec.latency is None
                     else ("duration_bucket_metric", metrics.duration_bucket_metric))
    mitigation = [
        {"title": "Restore the telemetry",
         "detail": "Fix the scrape target, exporter or collector pipeline that stopped "
                   "sending the series."},
        {"title": "Follow a rename",
         "detail": "If the metric or the service label was renamed, set the service's SLI "
                   f"overrides ({field}, now {metric}; service_label, now "
                   f"{metrics.service_label}) and regenerate the rules."},
        {"title": "Watch the service another way meanwhile",
         "detail": "Until the series returns no SLO alert can fire: watch logs, traces or "
                   "synthetic checks of the service."},
    ]
    title = f"{spec.service_id}: {spec.sli_name} SLI has no data ({severity})"
    document = {**_header(spec, key, title, ABSENT_ALERT, severity), "triggers": [trigger],
                "steps": [*absent_steps(spec), *context_steps(context, burning=False)],
                "mitigation": mitigation}
    return Runbook(key, document)


def runbooks(spec: SloSpec, windows: AlertWindows, context: RunbookContext,
             options: AlertOptions | None = None) -> tuple[Runbook, ...]:
    """The runbooks of one SLI's alerts, in the order its rules hold them."""
    options = options or AlertOptions()
    return (*(burn_runbook(spec, s, windows, context, options) for s in windows.severities),
            absent_runbook(spec, windows, context))

