"""The MetricCatalog port on the Prometheus HTTP API (Mimir speaks the same API).

Bounded for huge catalogs: the metric names asked for are only the conventions' (one
`/api/v1/label/__name__/values` request with a `match[]` naming them, never the whole
catalog); label values and metadata are asked per metric with a `limit` (honoured by
Prometheus 2.51 and later; earlier ones answer in full and the answer is cut here, flagged
truncated); series are counted and summed by PromQL (`count by`, `sum by`), so an answer
holds one row per group, not one per series. Each request goes through a
PrometheusTelemetry: its timeout, retries, breaker and query metrics.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.application.sli_ports import Grouped, LabelValues, MetricSelector
from slo_engine.domain.promql_text import duration, re2_alternation, string_literal
from slo_engine.domain.sli_definition import LABEL_NAME, METRIC_NAME, UnsafeQuery

DEFAULT_MAX_LABEL_VALUES = 50_000


def selector_text(selector: MetricSelector) -> str:
    """metric{a="x", b!~"y"} with names validated and values escaped."""
    if not METRIC_NAME.match(selector.metric):
        raise UnsafeQuery(f"'{selector.metric}' is not a valid Prometheus metric name")
    parts = []
    for label, op, value in selector.matchers():
        if not LABEL_NAME.match(label):
            raise UnsafeQuery(f"'{label}' is not a valid Prometheus label name")
        parts.append(f"{label}{op}{string_literal(value)}")
    return f"{selector.metric}{{{', '.join(parts)}}}"


class PrometheusMetricCatalog:
    """Knows what a Prometheus holds, asked in few, bounded requests."""

    def __init__(self, telemetry: PrometheusTelemetry,
                 max_label_values: int = DEFAULT_MAX_LABEL_VALUES) -> None:
        self._telemetry = telemetry
        self._max_label_values = max_label_values

    async def present_metrics(self, names: Sequence[str], window_s: int, end_s: int
                              ) -> set[str]:
        if not names:
            return set()
        pattern = string_literal(re2_alternation(sorted(set(names))))
        found = await self._telemetry.api_data("/api/v1/label/__name__/values", [
            ("match[]", f"{{__name__=~{pattern}}}"), ("start", end_s - window_s),
            ("end", end_s)])
        return set(found) & set(names)

    async def metric_types(self, names: Sequence[str]) -> dict[str, str]:
        answers = await asyncio.gather(*(self._telemetry.api_data("/api/v1/metadata", [
            ("metric", name), ("limit_per_metric", 1)]) for name in sorted(set(names))))
        types: dict[str, str] = {}
        for answer in answers:
            for family, entries in (answer or {}).items():
                if entries:
                    types[family] = str(entries[0].get("type", "unknown"))
        return types

    async def label_values(self, label: str, metric: str, window_s: int, end_s: int
                           ) -> LabelValues:
        if not LABEL_NAME.match(label):
            raise UnsafeQuery(f"'{label}' is not a valid Prometheus label name")
        found = await self._telemetry.api_data(f"/api/v1/label/{label}/values", [
            ("match[]", selector_text(MetricSelector(metric))), ("start", end_s - window_s),
            ("end", end_s), ("limit", self._max_label_values + 1)])
        values = sorted(str(v) for v in found)
        return LabelValues(tuple(values[:self._max_label_values]),
                           len(values) > self._max_label_values)

    async def series_counts(self, selector: MetricSelector, by: tuple[str, ...],
                            window_s: int, end_s: int) -> Grouped:
        query = (f"count by ({_labels(by)}) "
                 f"(last_over_time({selector_text(selector)}[{duration(window_s)}]))")
        return {_key(row["metric"], by): [float(row["value"][1])]
                for row in await self._telemetry.instant_result(query, end_s)}

    async def increases(self, selector: MetricSelector, by: tuple[str, ...], window_s: int,
                        end_s: int, slices: int) -> Grouped:
        query = (f"sum by ({_labels(by)}) "
                 f"(increase({selector_text(selector)}[{duration(window_s)}]))")
        start_s = end_s - (slices - 1) * window_s
        rows = await self._telemetry.range_result(query, start_s, end_s, window_s)
        return {_key(row["metric"], by): _on_slices(row["values"], start_s, window_s, slices)
                for row in rows}


def _labels(by: tuple[str, ...]) -> str:
    for label in by:
        if not LABEL_NAME.match(label):
            raise UnsafeQuery(f"'{label}' is not a valid Prometheus label name")
    return ", ".join(by)


def _key(labels: dict[str, str], by: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(labels.get(label, "") for label in by)


def _on_slices(points: list[list[Any]], start_s: int, window_s: int, slices: int
               ) -> list[float]:
    values = [math.nan] * slices
    for stamp, value in points:
        values[round((float(stamp) - start_s) / window_s)] = float(value)
    return values
