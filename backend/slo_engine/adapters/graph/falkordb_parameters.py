"""Cypher parameter text for FalkorDB, written by orjson instead of the client's serialiser.

FalkorDB takes parameters as a Cypher literal prefix (`CYPHER rows=[...] ...`). JSON is
that literal but for two details: map keys must be bare identifiers, and FalkorDB does
not decode `\\uXXXX` escapes (orjson emits them only for rare control characters). For a
50,000-edge ingestion this takes milliseconds where the client's pure-Python serialiser
takes a third of a second; anything it cannot express exactly falls back to the client.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

# Inside a JSON string every '"' is escaped, so '{"' or ',"' always opens a map key.
_IDENTIFIER_KEY = re.compile(rb'([{,])"([A-Za-z_][A-Za-z0-9_]*)":')
_ANY_KEY = re.compile(rb'[{,]"(?:[^"\\]|\\.)*":')


def parameter_header(params: dict[str, Any]) -> bytes | None:
    """`CYPHER name=value ... `, or None when only the client's serialiser can say it."""
    parts = []
    for name, value in params.items():
        text = orjson.dumps(value)
        if b"\\u" in text:
            return None
        text = _IDENTIFIER_KEY.sub(rb"\1\2:", text)
        if _ANY_KEY.search(text):
            return None
        parts.append(name.encode() + b"=" + text)
    return b"CYPHER " + b" ".join(parts) + b" "
