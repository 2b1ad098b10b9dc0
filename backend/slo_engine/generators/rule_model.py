"""Prometheus rule files as values: groups of recording and alerting rules, rendered as
the YAML `promtool check rules` reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from slo_engine.domain.promql_text import duration
from slo_engine.generators.rule_yaml import rule_yaml


def template_safe(text: str) -> str:
    """Alert labels and annotations are Go templates: a literal '{{' in a value (a hostile
    team name) must not open an action."""
    return text.replace("{{", '{{ "{{" }}')


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def to_mapping(self) -> dict[str, Any]:
        return {"record": self.record, "expr": self.expr, "labels": dict(self.labels)}


@dataclass(frozen=True)
class AlertingRule:
    alert: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    for_seconds: int = 0
    keep_firing_for_seconds: int = 0  # Prometheus 2.42+: firing that long after it clears

    def to_mapping(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"alert": self.alert, "expr": self.expr}
        if self.for_seconds:
            rule["for"] = duration(self.for_seconds)
        if self.keep_firing_for_seconds:
            rule["keep_firing_for"] = duration(self.keep_firing_for_seconds)
        rule["labels"] = dict(self.labels)
        rule["annotations"] = dict(self.annotations)
        return rule


Rule = RecordingRule | AlertingRule


@dataclass(frozen=True)
class RuleGroup:
    name: str
    rules: tuple[Rule, ...]
    interval_seconds: int | None = None  # None: Prometheus's global evaluation interval

    def to_mapping(self) -> dict[str, Any]:
        group: dict[str, Any] = {"name": self.name}
        if self.interval_seconds is not None:
            group["interval"] = duration(self.interval_seconds)
        group["rules"] = [rule.to_mapping() for rule in self.rules]
        return group


class _BlockStrings(yaml.SafeDumper):
    """Multi-line expressions as literal blocks, as people write rule files."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not value.endswith((" ", "\n")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockStrings.add_representer(str, _string)


def rule_file_text(groups: list[RuleGroup], header: str) -> str:
    """One rule file; the same groups always give the same bytes (golden files, hashes)."""
    body = rule_yaml({"groups": [g.to_mapping() for g in groups]})
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + body


def yaml_text(document: Mapping[str, Any]) -> str:
    return yaml.dump(dict(document), Dumper=_BlockStrings, sort_keys=False,
                     allow_unicode=True, width=100)
