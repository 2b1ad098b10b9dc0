"""An in-memory fake of the MetricCatalog port over the very series a test writes to
Prometheus: no PromQL, just the matchers, Prometheus 2.42's `increase`
(domain/prometheus_rate.py) and its instant-selector windows. It passes the contract
suite the Prometheus adapter passes (tests/contract/test_metric_catalog.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from slo_engine.application.sli_ports import Grouped, LabelValues, MetricSelector
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.prometheus_rate import RawSeries, series_increase


def raw_series(metric: str, points: list[tuple[int, float]], **labels: str) -> RawSeries:
    """A series as the fake holds it: __name__ among its labels, times in ms."""
    return RawSeries({"__name__": metric, **labels},
                     np.array([t * 1000 for t, _ in points], dtype=np.int64),
                     np.array([v for _, v in points], dtype=float))


def matches(series: RawSeries, selector: MetricSelector) -> bool:
    if series.labels["__name__"] != selector.metric:
        return False
    for label, op, value in selector.matchers():
        have = series.labels.get(label, "")
        hit = have == value if op in ("=", "!=") else re.fullmatch(value, have) is not None
        if hit != (op in ("=", "=~")):
            return False
    return True


@dataclass
class InMemoryMetricCatalog:
    series: list[RawSeries]
    types: dict[str, str] = field(default_factory=dict)  # family -> metadata type
    max_label_values: int = 50_000
    unavailable: bool = False

    def _within(self, window_s: int, end_s: int) -> list[RawSeries]:
        self._answer()
        low, high = (end_s - window_s) * 1000, end_s * 1000
        return [s for s in self.series
                if np.any((s.stamps_ms >= low) & (s.stamps_ms <= high))]

    def _answer(self) -> None:
        if self.unavailable:
            raise DependencyUnavailable("metrics store (Prometheus)", "connection refused")

    async def present_metrics(self, names: Sequence[str], window_s: int, end_s: int
                              ) -> set[str]:
        return {s.labels["__name__"] for s in self._within(window_s, end_s)} & set(names)

    async def metric_types(self, names: Sequence[str]) -> dict[str, str]:
        self._answer()
        return {name: self.types[name] for name in names if name in self.types}

    async def label_values(self, label: str, metric: str, window_s: int, end_s: int
                           ) -> LabelValues:
        values = sorted({s.labels[label] for s in self._within(window_s, end_s)
                         if s.labels["__name__"] == metric and s.labels.get(label)})
        return LabelValues(tuple(values[:self.max_label_values]),
                           len(values) > self.max_label_values)

    async def series_counts(self, selector: MetricSelector, by: tuple[str, ...],
                            window_s: int, end_s: int) -> Grouped:
        counts: Grouped = {}
        for series in self._within(window_s, end_s):
            if matches(series, selector):
                key = tuple(series.labels.get(label, "") for label in by)
                counts[key] = [counts.get(key, [0.0])[0] + 1]
        return counts

    async def increases(self, selector: MetricSelector, by: tuple[str, ...], window_s: int,
                        end_s: int, slices: int) -> Grouped:
        self._answer()
        at_ms = np.array([(end_s - k * window_s) * 1000 for k in range(slices - 1, -1, -1)])
        sums: dict[tuple[str, ...], np.ndarray] = {}
        for series in sorted(self.series, key=lambda s: s.sort_key):
            if not matches(series, selector):
                continue
            key = tuple(series.labels.get(label, "") for label in by)
            gained = series_increase(series, at_ms, window_s * 1000)
            before = sums.get(key, np.full(slices, math.nan))
            sums[key] = np.where(np.isnan(before), gained,
                                 np.where(np.isnan(gained), before, before + gained))
        return {key: values.tolist() for key, values in sums.items()
                if not np.all(np.isnan(values))}
