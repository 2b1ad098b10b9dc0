"""Generated alerts made self-contained, for a dry run on history: each recording rule an
alert reads is put inline, because before the rules are loaded no Prometheus holds the
series they record (cloudflare/pint's `alerts/count` replays rules the same way).

`slo:sli_error:ratio_rate1h{sloth_id="a", ...}` becomes `(<the SLI ratio over 1h>)`: the
recording rule's own expression in parentheses. Evaluated at one instant that is what the
alert reads when its group runs after the recordings' (as `promtool test rules` runs the
groups of a file in order). The inline form loses only the recorded series' labels, which
alerts aggregate away (`max ... without (sloth_window)`) or match on none (`and on ()`).

The dry run also needs the SLI's failed and total requests per step, to find the SLO
periods whose error budget ran out: `budget_queries` writes them from the same selectors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slo_engine.domain.promql_text import duration, selector
from slo_engine.generators.rule_model import AlertingRule, RecordingRule, RuleGroup
from slo_engine.generators.sli_rules import IDENTITY_LABELS, sli_selectors
from slo_engine.generators.slo_spec import SloSpec

MAX_DEPTH = 5  # recording rules reading recording rules, at most this deep


class UnexpandableAlert(ValueError):
    """An alert reads a recorded series that cannot be put inline."""


@dataclass(frozen=True)
class ExpandedAlert:
    """One alerting rule with the recordings it reads inline, and what its state machine
    needs: `for`, `keep_firing_for` and its group's interval (None: the global one)."""

    alert: str
    expr: str
    labels: Mapping[str, str]
    for_seconds: int
    keep_firing_for_seconds: int
    interval_seconds: int | None

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")


def recorded_selector(rule: RecordingRule) -> str:
    """The selector by which generated rules read this recording (its record name and
    identity labels, as `identity_selector` writes them)."""
    return selector(rule.record, {label: rule.labels[label] for label in IDENTITY_LABELS
                                  if label in rule.labels})


def recordings(groups: Sequence[RuleGroup]) -> dict[str, str]:
    """Each recording rule's selector -> its expression."""
    return {recorded_selector(rule): rule.expr for group in groups for rule in group.rules
            if isinstance(rule, RecordingRule)}


def expand(expr: str, recorded: Mapping[str, str]) -> str:
    """`expr` with every recorded selector replaced by `(its expression)`, repeatedly
    (a recording may read another), until none is left."""
    for _ in range(MAX_DEPTH):
        expanded = expr
        for read, definition in recorded.items():
            expanded = expanded.replace(read, f"({definition})")
        if expanded == expr:
            return expr
        expr = expanded
    raise UnexpandableAlert(f"recordings nest deeper than {MAX_DEPTH} levels")


def _reads_recorded_name(expr: str, groups: Sequence[RuleGroup]) -> str | None:
    names = {rule.record for group in groups for rule in group.rules
             if isinstance(rule, RecordingRule)}
    return next((name for name in sorted(names) if name in expr), None)


def expanded_alert(rule: AlertingRule, interval_seconds: int | None,
                   groups: Sequence[RuleGroup]) -> ExpandedAlert:
    expr = expand(rule.expr, recordings(groups))
    left = _reads_recorded_name(expr, groups)
    if left is not None:
        raise UnexpandableAlert(f"{rule.alert} reads {left} with selectors no recording "
                                "rule of these groups writes")
    return ExpandedAlert(rule.alert, expr, dict(rule.labels), rule.for_seconds,
                         rule.keep_firing_for_seconds, interval_seconds)


def expanded_alerts(groups: Sequence[RuleGroup]) -> tuple[ExpandedAlert, ...]:
    """Every alerting rule of the groups, in order, with the groups' recordings inline."""
    return tuple(expanded_alert(rule, group.interval_seconds, groups)
                 for group in groups for rule in group.rules
                 if isinstance(rule, AlertingRule))


@dataclass(frozen=True)
class BudgetQueries:
    """Failed and all requests of an SLI in each step (the step's own window)."""

    failed: str
    total: str


def budget_queries(spec: SloSpec, step_seconds: int) -> BudgetQueries:
    """A latency SLI's failed requests are those above its bucket: all minus the bucket
    (its selectors name the bucket `failed`, the share the ratio subtracts from 1)."""
    selectors = sli_selectors(spec)
    window = duration(step_seconds)
    total = f"sum(increase({selectors.total}[{window}]))"
    bucket = f"sum(increase({selectors.failed}[{window}]))"
    if spec.latency is None:
        return BudgetQueries(f"{bucket} or vector(0)", total)
    return BudgetQueries(f"{total} - ({bucket} or vector(0))", total)
