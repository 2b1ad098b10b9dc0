"""PromQL text built from values: string literals, selectors, durations and numbers.

Every label value that reaches an expression goes through `escape_label_value`, so a team
or service name holding quotes, backslashes or newlines cannot change the expression.
"""

from __future__ import annotations

from collections.abc import Mapping

_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))


def escape_label_value(value: str) -> str:
    """The body of a double-quoted PromQL string (Go's escapes: backslash, quote, newline,
    carriage return, tab)."""
    return (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def string_literal(value: str) -> str:
    return f'"{escape_label_value(value)}"'


def selector(metric: str, equal: Mapping[str, str], regex: Mapping[str, str] | None = None
             ) -> str:
    """metric{a="x", b=~"y"}: equality matchers in the given order, then regex ones (a
    pattern's own backslashes are escaped like any other character)."""
    matchers = [f"{label}={string_literal(value)}" for label, value in equal.items()]
    matchers += [f"{label}=~{string_literal(value)}" for label, value in (regex or {}).items()]
    return f"{metric}{{{', '.join(matchers)}}}"


def re2_alternation(values: list[str]) -> str:
    """An RE2 pattern matching exactly these values (every ASCII punctuation, space or
    control character escaped; RE2 refuses an escaped non-ASCII character, which is a
    literal as it is); put it in a string with `string_literal`."""
    return "|".join("".join("\\" + c if c.isascii() and not c.isalnum() else c for c in v)
                    for v in values)


def duration(seconds: int) -> str:
    """Prometheus's duration text in the largest whole unit: 300 -> 5m, 86400 -> 1d
    (0 -> 0s, which Prometheus refuses as a range: the caller hears it from Prometheus)."""
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, not {seconds} s")
    if seconds == 0:
        return "0s"
    return next(f"{seconds // size}{suffix}" for suffix, size in _UNITS if seconds % size == 0)


def parse_duration(text: str) -> int:
    """'5m' -> 300; one unit only (d, h, m, s), as the window files write them."""
    for suffix, size in _UNITS:
        if text.endswith(suffix) and text[:-1].isdigit() and int(text[:-1]) > 0:
            return int(text[:-1]) * size
    raise ValueError(f"'{text}' is not a duration such as 5m, 6h or 3d")


def number(value: float) -> str:
    """A float as PromQL reads it back to the same float64 (repr round-trips)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
