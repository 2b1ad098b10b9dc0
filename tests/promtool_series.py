"""The input series of a `promtool test rules` file written as OpenMetrics, so a real
Prometheus can hold the very series the generated unit tests feed promtool.

promtool's expanding notation (the forms the generators write): `a+bxn` and `a-bxn` are
the n + 1 values a, a +- b, ..., `axn` is a repeated n + 1 times, a lone number is one
value; samples are one `interval` apart from the test's time 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from slo_engine.domain.promql_text import parse_duration

NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"
SEGMENT = re.compile(rf"(?P<a>{NUMBER})(?:(?P<op>[+-])(?P<b>{NUMBER}))?(?:x(?P<n>\d+))?")


def expand_values(text: str) -> list[float]:
    values: list[float] = []
    for token in text.split():
        match = SEGMENT.fullmatch(token)
        if match is None:
            raise ValueError(f"'{token}' is not promtool's a+bxn notation")
        start, repeats = float(match["a"]), int(match["n"] or 0)
        step = float(match["b"] or 0) * (-1 if match["op"] == "-" else 1)
        values.extend(start + step * k for k in range(repeats + 1))
    return values


def _openmetrics_series(series: str) -> str:
    """`name{a="x", b="y"}` as OpenMetrics writes it (no blank after a comma)."""
    return series.replace('", ', '",')


def samples(test: Mapping[str, Any], origin_s: int) -> dict[str, list[tuple[int, float]]]:
    """One test's input series -> (timestamp, value), its time 0 at `origin_s`."""
    interval = parse_duration(test.get("interval", "1m"))
    return {_openmetrics_series(entry["series"]): [
        (origin_s + k * interval, v) for k, v in enumerate(expand_values(entry["values"]))]
        for entry in test["input_series"]}


def write_openmetrics(series: Iterable[dict[str, list[tuple[int, float]]]], path: Path
                      ) -> None:
    """Every test's series in one file: a series' samples together and in time order,
    one metric's series together (untyped, as promtool's backfill accepts)."""
    merged: dict[str, list[tuple[int, float]]] = {}
    for one in series:
        for name, points in one.items():
            merged.setdefault(name, []).extend(points)
    with path.open("w", encoding="utf-8") as out:
        for name in sorted(merged):
            out.writelines(f"{name} {value!r} {stamp}\n"
                           for stamp, value in sorted(merged[name]))
        out.write("# EOF\n")
