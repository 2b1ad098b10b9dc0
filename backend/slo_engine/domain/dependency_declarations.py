"""The convention by which Kubernetes objects declare their dependencies (TRD 6.4).

A declaration is the value of the `slo-engine.io/depends-on` annotation (of a Service or
the Deployments it selects) or of one key of a labelled ConfigMap. Two forms:

- compact: entries separated by commas or new lines, each `target[:word[:word]]`, where a
  word is a criticality (`hard`, `soft`, `degraded`) or a communication mode (`sync`,
  `async`), in either order: `payment-api:hard:sync, ledger:soft:async, fraud`;
- JSON: a list of objects, for the attributes the compact form cannot say:
  `[{"target": "payment-api", "criticality": "hard", "communication_mode": "sync",
     "protocol": "grpc", "timeout_ms": 800, "redundancy_group": "pay"}]`.

Attributes left out fall to other sources or the defaults, as in a POSTed graph. A bad
entry is reported and skipped; the good entries of the same value still count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slo_engine.domain.model import CommunicationMode, DependencyCriticality

SERVICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,252}$")
PROTOCOL = re.compile(r"^[a-z0-9][a-z0-9+._-]{0,31}$")
CRITICALITIES = {c.value for c in DependencyCriticality}
MODES = {m.value for m in CommunicationMode}
JSON_KEYS = ("target", "criticality", "communication_mode", "protocol", "timeout_ms",
             "redundancy_group")
MAX_TIMEOUT_MS = 3_600_000


@dataclass(frozen=True)
class DeclaredDependency:
    """One target a declaration names, with the attributes it gives."""

    target: str
    attributes: dict[str, Any]


@dataclass(frozen=True)
class Declarations:
    dependencies: list[DeclaredDependency]
    problems: list[str]  # one sentence per skipped entry: what is wrong and the fix


def parse_declarations(value: str) -> Declarations:
    """Either form; JSON when the value starts with `[`."""
    text = value.strip()
    if text.startswith("["):
        return _parse_json(text)
    return _parse_compact(text)


def _parse_compact(text: str) -> Declarations:
    found, problems = [], []
    for entry in (e.strip() for e in re.split(r"[,\n]", text)):
        if not entry:
            continue
        target, *words = (part.strip() for part in entry.split(":"))
        attributes, problem = _compact_attributes(words)
        problem = problem or _target_problem(target)
        if problem:
            problems.append(f"'{entry}': {problem}")
        else:
            found.append(DeclaredDependency(target, attributes))
    return Declarations(found, problems)


def _compact_attributes(words: list[str]) -> tuple[dict[str, Any], str | None]:
    attributes: dict[str, Any] = {}
    for word in words:
        key = ("criticality" if word in CRITICALITIES
               else "communication_mode" if word in MODES else None)
        if key is None:
            return {}, (f"'{word}' is neither a criticality ({', '.join(sorted(CRITICALITIES))})"
                        f" nor a mode ({', '.join(sorted(MODES))})")
        if key in attributes:
            return {}, f"gives the {key} twice"
        attributes[key] = word
    return attributes, None


def _target_problem(target: str) -> str | None:
    if SERVICE_ID.match(target):
        return None
    return "the target must be a service id (letters, digits, '.', '_', '-', '/')"


def _parse_json(text: str) -> Declarations:
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as error:
        return Declarations([], [f"not valid JSON ({error.msg} at character {error.pos})"])
    if not isinstance(entries, list):
        return Declarations([], ["the JSON form is a list of objects"])
    found, problems = [], []
    for index, entry in enumerate(entries):
        problem = _json_entry_problem(entry)
        if problem:
            problems.append(f"entry {index}: {problem}")
        else:
            found.append(DeclaredDependency(entry["target"], {
                k: v for k, v in entry.items() if k != "target"}))
    return Declarations(found, problems)


def _json_entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return "each entry is an object with a target"
    unknown = sorted(set(entry) - set(JSON_KEYS))
    if unknown:
        return f"unknown key(s) {unknown}; known: {list(JSON_KEYS)}"
    target = entry.get("target")
    if not isinstance(target, str):
        return "the target is missing or not text"
    return _target_problem(target) or _json_value_problem(entry)


def _json_value_problem(entry: dict[str, Any]) -> str | None:
    checks: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
        ("criticality", lambda v: v in CRITICALITIES, f"one of {sorted(CRITICALITIES)}"),
        ("communication_mode", lambda v: v in MODES, f"one of {sorted(MODES)}"),
        ("protocol", lambda v: isinstance(v, str) and bool(PROTOCOL.match(v)),
         "a short lower-case name such as grpc or http"),
        ("timeout_ms", lambda v: isinstance(v, int) and not isinstance(v, bool)
         and 1 <= v <= MAX_TIMEOUT_MS, f"whole milliseconds from 1 to {MAX_TIMEOUT_MS}"),
        ("redundancy_group", lambda v: isinstance(v, str) and 0 < len(v) <= 200,
         "a name of at most 200 characters"),
    )
    for key, valid, expected in checks:
        if key in entry and not valid(entry[key]):
            return f"{key} {entry[key]!r} must be {expected}"
    return None
