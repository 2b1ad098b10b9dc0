"""An in-memory fake of the RawSamples port: series held in memory, selected by the
matchers of a PromQL selector (`name{a="x", b=~"re", c!="y", d!~"re"}`; regexes anchored,
as Prometheus anchors them). It passes the contract suite the Prometheus adapter passes
(tests/contract/test_raw_samples.py). `unavailable` stands for a store that does not
answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.domain.prometheus_rate import RawSeries

_SELECTOR = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)?(?:\{(.*)\})?$", re.S)
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
_ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n", "\\r": "\r", "\\t": "\t"}
Matcher = Callable[[dict[str, str]], bool]


def _unquoted(body: str) -> str:
    return re.sub(r"\\.", lambda m: _ESCAPES.get(m.group(0), m.group(0)), body)


def _matcher(label: str, op: str, value: str) -> Matcher:
    if op in ("=", "!="):
        return lambda labels: (labels.get(label, "") == value) == (op == "=")
    pattern = re.compile(value)
    return lambda labels: (pattern.fullmatch(labels.get(label, "")) is not None) == (
        op == "=~")


def matchers(selector: str) -> list[Matcher]:
    """The selector's matchers (its metric name as `__name__="..."`)."""
    parsed = _SELECTOR.match(selector.strip())
    if parsed is None:
        raise TelemetryQueryRejected(selector, "the fake cannot parse this selector")
    name, body = parsed.group(1), parsed.group(2) or ""
    found = [_matcher("__name__", "=", name)] if name else []
    position = 0
    while position < len(body):
        matched = _MATCHER.match(body, position)
        if matched is None or matched.end() == position:
            raise TelemetryQueryRejected(selector, "the fake cannot parse this selector")
        found.append(_matcher(matched.group(1), matched.group(2), _unquoted(matched.group(3))))
        position = matched.end()
    return found


@dataclass
class InMemoryRawSamples:
    series: Sequence[RawSeries]
    unavailable: bool = False
    calls: list[tuple[str, int, int]] = field(default_factory=list)

    async def raw_series(self, selector: str, start_s: int, end_s: int) -> list[RawSeries]:
        self.calls.append((selector, start_s, end_s))
        if self.unavailable:
            raise DependencyUnavailable("metrics store (Prometheus)", "connection refused")
        wanted = matchers(selector)
        found = [_between(s, start_s, end_s) for s in self.series
                 if all(match(dict(s.labels)) for match in wanted)]
        return sorted((s for s in found if s.stamps_ms.size), key=lambda s: s.sort_key)


def _between(series: RawSeries, start_s: int, end_s: int) -> RawSeries:
    keep = (series.stamps_ms >= start_s * 1000) & (series.stamps_ms <= end_s * 1000)
    return RawSeries(series.labels, series.stamps_ms[keep], series.values[keep])


def regular(labels: dict[str, str], start_s: int, step_s: int, values: Sequence[float]
            ) -> RawSeries:
    """A series sampled every step from start."""
    stamps = (start_s + step_s * np.arange(len(values))) * 1000
    return RawSeries(labels, stamps.astype(np.int64), np.asarray(values, dtype=float))
