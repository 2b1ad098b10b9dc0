"""A small, fast YAML emitter for rule files: a fleet's rules are megabytes, which
PyYAML's pure-Python representer takes tens of seconds to write. Block style as people
write rule files; a string is plain when YAML cannot read it as anything else, a literal
block when it is a clean multi-line expression, else a double-quoted JSON string (every
JSON string is a valid YAML double-quoted scalar). Round-trip tested against PyYAML."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

# Names (a colon never last: "a:" would start a mapping) and durations.
PLAIN = re.compile(r"[A-Za-z_](?:[A-Za-z0-9_:./-]*[A-Za-z0-9_./-])?|[0-9]+[smhdwy]")
NOT_PLAIN = frozenset({"true", "false", "yes", "no", "on", "off", "null", "y", "n"})
# What YAML may not hold raw (outside its printable set), and its line breaks beyond \n.
UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff"
                         "\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
BLOCK_LINE = re.compile(r"[^\s#'\"\\][^\t\r]*|")  # no leading blank, no tab or CR


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if PLAIN.fullmatch(text) and text.lower() not in NOT_PLAIN:
        return text
    return UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}",
                           json.dumps(text, ensure_ascii=False))


def _block(text: str, indent: str) -> list[str] | None:
    lines = text.split("\n")
    if len(lines) < 2 or not lines[0] or lines[-1] == "" or any(
            line != line.rstrip(" ") for line in lines) or not BLOCK_LINE.fullmatch(lines[0]):
        return None
    if any("\t" in line or "\r" in line or UNPRINTABLE.search(line) for line in lines):
        return None
    return [f"{indent}{line}" if line else "" for line in lines]


def _value_lines(key: str, value: Any, indent: str) -> list[str]:
    if isinstance(value, Mapping):
        if not value:
            return [f"{indent}{key}: {{}}"]
        return [f"{indent}{key}:", *_mapping(value, indent + "  ")]
    if isinstance(value, Sequence) and not isinstance(value, str):
        if not value:
            return [f"{indent}{key}: []"]
        return [f"{indent}{key}:", *_sequence(value, indent)]
    if isinstance(value, str):
        block = _block(value, indent + "  ")
        if block is not None:
            return [f"{indent}{key}: |-", *block]
    return [f"{indent}{key}: {scalar(value)}"]


def _mapping(document: Mapping[str, Any], indent: str) -> list[str]:
    return [line for key, value in document.items()
            for line in _value_lines(scalar(key), value, indent)]


def _sequence(items: Sequence[Any], indent: str) -> list[str]:
    lines = []
    for item in items:
        if isinstance(item, Mapping) and item:
            inner = _mapping(item, indent + "  ")
            lines.append(f"{indent}- {inner[0].lstrip()}")
            lines.extend(inner[1:])
        else:
            lines.append(f"{indent}- {scalar(item)}")
    return lines


def rule_yaml(document: Mapping[str, Any]) -> str:
    return "\n".join(_mapping(document, "")) + "\n"
