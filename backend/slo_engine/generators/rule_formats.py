"""The rules in the forms tools load: a Prometheus rule file, a Prometheus Operator
`PrometheusRule`, and a Sloth `prometheus/v1` spec for teams that run Sloth themselves."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from slo_engine.generators.alert_rules import BURN_ALERT
from slo_engine.generators.rule_model import (
    AlertingRule,
    RuleGroup,
    rule_file_text,
    template_safe,
    yaml_text,
)
from slo_engine.generators.sli_rules import SliSelectors, rule_labels, sli_selectors
from slo_engine.generators.slo_spec import SloSpec

KUBERNETES_NAME = re.compile(r"[^a-z0-9-]+")
DNS_LABEL_LENGTH = 63
DIGEST_LENGTH = 8


def prometheus_rule_file(groups: Sequence[RuleGroup], header: str) -> str:
    return rule_file_text(list(groups), header)


def kubernetes_name(text: str) -> str:
    """A DNS-1123 name (lowercase letters, digits, '-'; at most 63) from any service id."""
    name = KUBERNETES_NAME.sub("-", text.lower()).strip("-")[:DNS_LABEL_LENGTH].strip("-")
    return name or "slo"


def object_name(text: str, *suffix: str) -> str:
    """A DNS-1123 label naming an object of `text` (a service id), then the suffix words:
    `object_name("checkout", "availability")` is 'checkout-availability'. Where making the
    name lost characters or length, 8 hex digits of the text's SHA-256 keep it apart from
    others ('pay.ments' and 'pay-ments' no longer share a name)."""
    tail = "".join(f"-{kubernetes_name(word)}" for word in suffix)
    base = kubernetes_name(text)
    if base == text and len(base) + len(tail) <= DNS_LABEL_LENGTH:
        return base + tail
    room = DNS_LABEL_LENGTH - len(tail) - DIGEST_LENGTH - 1
    if room < 1:
        raise ValueError(f"the suffix '{tail}' leaves no room for a name")
    digest = hashlib.sha256(text.encode()).hexdigest()[:DIGEST_LENGTH]
    head = base[:room].strip("-")
    return f"{head}-{digest}{tail}" if head else f"{digest}{tail}"


def prometheus_operator_rule(groups: Sequence[RuleGroup], service_id: str,
                             team: str | None, header: str) -> str:
    """A `monitoring.coreos.com/v1` PrometheusRule holding the same groups."""
    labels = {"app.kubernetes.io/managed-by": "slo-engine"}
    document: dict[str, Any] = {
        "apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
        "metadata": {"name": f"slo-{kubernetes_name(service_id)}", "labels": labels,
                     "annotations": {"slo-engine/service": service_id,
                                     **({"slo-engine/team": team} if team else {})}},
        "spec": {"groups": [g.to_mapping() for g in groups]}}
    return "".join(f"# {line}\n" for line in header.splitlines()) + yaml_text(document)


def _window_query(selectors: SliSelectors, spec: SloSpec, which: str) -> str:
    """A Sloth event query: `{{.window}}` is Sloth's own template for the range."""
    if spec.latency is None:
        query = (f"(sum(rate({selectors.failed}[WINDOW])) or vector(0))" if which == "error"
                 else f"sum(rate({selectors.total}[WINDOW]))")
        return template_safe(query).replace("WINDOW", "{{.window}}")
    total = f"sum(rate({selectors.total}[WINDOW]))"
    within = f"sum(rate({selectors.failed}[WINDOW]))"
    query = f"{total} - {within}" if which == "error" else total
    return template_safe(query).replace("WINDOW", "{{.window}}")


def _sloth_slo(spec: SloSpec) -> dict[str, Any]:
    selectors = sli_selectors(spec)
    labels = {k: v for k, v in rule_labels(spec).items()
              if k not in ("sloth_id", "sloth_service", "sloth_slo")}
    return {
        "name": spec.sli_name, "objective": round(spec.objective_ratio * 100, 10),
        "description": f"{spec.sli_name} of {spec.service_id} (SLO {spec.slo_id} "
                       f"v{spec.version})",
        "labels": labels,
        "sli": {"events": {"error_query": _window_query(selectors, spec, "error"),
                           "total_query": _window_query(selectors, spec, "total")}},
        "alerting": {"name": BURN_ALERT,
                     "page_alert": {"labels": {"severity": "page"}},
                     "ticket_alert": {"labels": {"severity": "ticket"}}},
    }


def sloth_spec(specs: Sequence[SloSpec]) -> str:
    """One Sloth spec per service (Sloth applies its own 30-day windows; run it with
    --default-slo-period=28d for 28-day SLOs; Sloth has no minimum-traffic guard)."""
    service_ids = {s.service_id for s in specs}
    if len(service_ids) != 1:
        raise ValueError("a Sloth spec describes one service")
    first = specs[0]
    document = {"version": "prometheus/v1", "service": first.service_id,
                "labels": {"team": first.team} if first.team else {},
                "slos": [_sloth_slo(s) for s in specs]}
    return yaml_text(document)


def split_by_kind(groups: Sequence[RuleGroup]) -> tuple[list[RuleGroup], list[RuleGroup]]:
    """(recording groups, alerting groups): GitOps repositories keep them apart."""
    alerting = [g for g in groups if any(isinstance(r, AlertingRule) for r in g.rules)]
    return [g for g in groups if g not in alerting], alerting
