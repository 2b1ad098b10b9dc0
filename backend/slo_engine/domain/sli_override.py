"""An SLI a person wrote as PromQL, read back into SliDefinition fields so it feeds the
same queries, rules and drift checks as a discovered one.

The shape (each query reads exactly one selector; rate/sum/increase around it are free):
- total_query selects the service's requests: the metric, the service's label equal to its
  id, and any further equality matchers (they become extra matchers);
- good_query selects the same series without the failures: the same matchers plus one
  `code!~"5.."` (or `code!="500"`) on the code label;
- latency_query (optional) selects the service's `_bucket` histogram with the same
  matchers (an `le` matcher is allowed and ignored).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slo_engine.domain.errors import InvalidInput


class PromqlSyntaxError(ValueError):
    """Text a PromQL parser refused; the message is the parser's."""


@dataclass(frozen=True)
class ParsedSelector:
    """One vector selector of a parsed query: its metric and (label, op, value) matchers."""

    metric: str | None
    matchers: tuple[tuple[str, str, str], ...]

    def equal(self) -> dict[str, str]:
        return {label: value for label, op, value in self.matchers
                if op == "=" and label not in ("__name__", "le")}

    def others(self) -> list[tuple[str, str, str]]:
        return [m for m in self.matchers if m[1] != "=" and m[0] != "le"]


def _problem(field: str, message: str, fix: str) -> InvalidInput:
    return InvalidInput(message, [{"pointer": f"/{field}", "message": fix}])


def only_selector(field: str, selectors: Sequence[ParsedSelector]) -> ParsedSelector:
    if len(selectors) != 1 or selectors[0].metric is None:
        raise _problem(field, f"{field} reads {len(selectors)} selectors; an SLI query reads "
                       "exactly one metric, named", "write one selector such as "
                       'sum(rate(http_requests_total{service="checkout"}[5m]))')
    return selectors[0]


def override_fields(service_id: str, total: ParsedSelector, good: ParsedSelector,
                    latency: ParsedSelector | None) -> dict[str, Any]:
    """SliDefinition fields from the three selectors; InvalidInput naming the query and
    the fix when they do not have the shape above."""
    own = total.equal()
    service_label = next((label for label, value in own.items() if value == service_id), None)
    if service_label is None or total.others():
        raise _problem("total_query", f"total_query must select {service_id}'s requests "
                       "with equality matchers only", f'add a matcher such as service="'
                       f'{service_id}" and drop regex or negative matchers')
    extra = {label: value for label, value in own.items() if label != service_label}
    if good.metric != total.metric or good.equal() != own or len(good.others()) != 1:
        raise _problem("good_query", "good_query must select total_query's series less "
                       "the failures", 'repeat total_query\'s selector and add one '
                       'matcher such as code!~"5.."')
    code_label, op, value = good.others()[0]
    if op not in ("!~", "!="):
        raise _problem("good_query", f"good_query's {code_label}{op}\"{value}\" keeps "
                       "successes by naming them; the engine counts failures",
                       f'exclude the failures instead, e.g. {code_label}!~"5.."')
    fields: dict[str, Any] = {
        "requests_metric": total.metric, "service_label": service_label,
        "code_label": code_label, "extra_matchers": extra,
        "error_code_regex": value if op == "!~" else re.escape(value)}
    if latency is not None:
        if not (latency.metric or "").endswith("_bucket") or latency.equal() != own:
            raise _problem("latency_query", "latency_query must select the service's "
                           "histogram buckets with total_query's matchers",
                           "name a *_bucket metric with the same equality matchers")
        fields["duration_bucket_metric"] = latency.metric
    return fields
