"""Markdown rendered from a runbook document, for people (Backstage, a Git host).

Names come from ingestion and may hold anything: every text is escaped (Markdown's
punctuation and HTML, line breaks folded into spaces) and every query sits in a fence
longer than any run of backticks inside it, so no value can open a link, a tag, a heading
or close its code block."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#&~])")
_BACKTICKS = re.compile(r"`+")
_LINKS = {"runbook_url": "Runbook", "dashboard_url": "Dashboard"}


def markdown_text(text: str) -> str:
    """One line of literal text: Markdown's special characters backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def code_block(code: str, language: str) -> str:
    longest = max((len(run) for run in _BACKTICKS.findall(code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code}\n{fence}"


def _ratio(value: float | None) -> str:
    return "none" if value is None else f"{value * 100:.6g}%"


def _header(document: Mapping[str, Any]) -> list[str]:
    alert, service, slo = document["alert"], document["service"], document["slo"]
    team = f", team {service['team']}" if service.get("team") else ""
    lines = [f"# {markdown_text(document['title'])}", "",
             markdown_text(f"Runbook {document['name']} for the alert {alert['name']} "
                           f"(severity {alert['severity']}) of {service['id']}{team}: "
                           f"{slo['objective']} (SLO {slo['id']} version {slo['version']})."),
             "", markdown_text("Alert labels: " + ", ".join(
                 f"{k}={v}" for k, v in alert["matchers"].items()))]
    for name, url in (document.get("links") or {}).items():
        lines += ["", markdown_text(f"{_LINKS.get(name, name)}: {url}")]
    return lines


def _triggers(triggers: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["", "## Triggers", ""]
    for trigger in triggers:
        lines.append(f"- {markdown_text(trigger['summary'])}")
        if "promql" in trigger:
            lines += ["", _indented(code_block(trigger["promql"], "promql"))]
    return lines


def _indented(block: str) -> str:
    return "\n".join(f"  {line}" if line else line for line in block.splitlines())


def _dependencies(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    if not entries:
        return []
    rows = [f"| {markdown_text(e['service_id'])} | {e['criticality']} | "
            f"{_ratio(e['objective_ratio'])} | {_ratio(e['availability_observed_ratio'])} | "
            f"{markdown_text(e['status'])} |" for e in entries]
    return ["", "| Dependency | Criticality | Objective | Observed | Status |",
            "| --- | --- | --- | --- | --- |", *rows]


def _step(number: int, step: Mapping[str, Any]) -> list[str]:
    lines = ["", f"### {number}. {markdown_text(step['title'])}", ""]
    if step.get("detail"):
        lines.append(markdown_text(step["detail"]))
    lines += _dependencies(step.get("dependencies") or [])
    lines += ([""] + [f"- {markdown_text(e['when'])}: {markdown_text(e['summary'])}"
                      for e in step["events"]] if step.get("events") else [])
    for query in step.get("queries") or []:
        lines += ["", f"- {markdown_text(query['description'])}:", "",
                  _indented(code_block(query["promql"], "promql"))]
    return lines


def _mitigation(steps: Sequence[Mapping[str, str]]) -> list[str]:
    return ["", "## Mitigation", "", *(
        f"{i}. **{markdown_text(step['title'])}.** {markdown_text(step['detail'])}"
        for i, step in enumerate(steps, start=1))]


def runbook_markdown(document: Mapping[str, Any]) -> str:
    lines = [*_header(document), *_triggers(document["triggers"]), "", "## Diagnosis"]
    for number, step in enumerate(document["steps"], start=1):
        lines += _step(number, step)
    lines += _mitigation(document["mitigation"])
    return "\n".join(lines) + "\n"
