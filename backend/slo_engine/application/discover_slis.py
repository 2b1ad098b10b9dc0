"""SLI discovery (issue 20 item 4): candidate SLIs per service from the metric catalog,
by the known naming conventions (domain/sli_conventions.py), ranked with evidence.

Per convention whose request metric the store holds, and per label that may name the
service: the label's values (is the service there at all), then three grouped queries
(series per code value, requests per code value in each slice of the lookback, histogram
buckets over the lookback). A whole fleet costs the same few queries as one service. The
work runs under a deadline: what finished by then is answered, flagged incomplete with the
conventions that did not finish (a huge catalog degrades to fewer candidates, not to a
request that never ends).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slo_engine.application.ports import Clock
from slo_engine.application.sli_ports import Grouped, MetricCatalog, MetricSelector
from slo_engine.domain.errors import TelemetryQueryRejected
from slo_engine.domain.promql_text import re2_alternation
from slo_engine.domain.sli_conventions import CONVENTIONS, SliConvention, family_names
from slo_engine.domain.sli_discovery import (
    ConventionObservation,
    SliCandidate,
    ranked_candidates,
)

SERVICES_PER_MATCHER = 250  # more services than this are grouped, not named in a regex


@dataclass(frozen=True)
class SliDiscoveryOptions:
    lookback_s: int = 86_400
    slices: int = 4  # sample values over the lookback
    deadline_s: float = 20.0


@dataclass(frozen=True)
class SliDiscovery:
    candidates: dict[str, list[SliCandidate]]
    unfinished: tuple[str, ...]  # "convention/label" cut off by the deadline or refused
    truncated: tuple[str, ...]  # "convention/label" whose label values hit the limit
    end_s: int

    @property
    def complete(self) -> bool:
        return not self.unfinished


@dataclass(frozen=True)
class _Probe:
    convention: SliConvention
    label: str
    metric_type: str | None
    has_buckets: bool

    @property
    def name(self) -> str:
        return f"{self.convention.name}/{self.label}"


class DiscoverSlis:
    def __init__(self, catalog: MetricCatalog, clock: Clock,
                 options: SliDiscoveryOptions = SliDiscoveryOptions(),
                 conventions: Sequence[SliConvention] = CONVENTIONS) -> None:
        self._catalog = catalog
        self._clock = clock
        self._options = options
        self._conventions = tuple(conventions)

    async def discover(self, service_ids: Sequence[str] | None = None) -> SliDiscovery:
        """Candidates for these services (None: every service any convention names).
        Raises DependencyUnavailable when the store does not answer at all."""
        end_s = self._clock.now_ms() // 1000 // 60 * 60
        wanted = None if service_ids is None else frozenset(service_ids)
        probes = await self._probes(end_s)
        tasks = {asyncio.create_task(self._observe(p, wanted, end_s)): p for p in probes}
        done, pending = (await asyncio.wait(tasks, timeout=self._options.deadline_s)
                         if tasks else (set(), set()))
        for task in pending:
            task.cancel()
        observations, unfinished, truncated = [], [tasks[t].name for t in pending], []
        for task in done:
            error = task.exception()
            if isinstance(error, TelemetryQueryRejected):
                unfinished.append(tasks[task].name)
            elif error is not None:
                raise error
            elif (found := task.result()) is not None:
                observations.append(found[0])
                if found[1]:
                    truncated.append(tasks[task].name)
        return SliDiscovery(ranked_candidates(observations), tuple(sorted(unfinished)),
                            tuple(sorted(truncated)), end_s)

    async def _probes(self, end_s: int) -> list[_Probe]:
        names = sorted({m for c in self._conventions for m in c.metrics()})
        present = await self._catalog.present_metrics(names, self._options.lookback_s, end_s)
        families = [f for c in self._conventions if c.requests_metric in present
                    for f in family_names(c.requests_metric)]
        types = await self._catalog.metric_types(families) if families else {}
        return [_Probe(c, label, next((types[f] for f in family_names(c.requests_metric)
                                       if f in types), None),
                       c.duration_bucket_metric in present)
                for c in self._conventions if c.requests_metric in present
                for label in c.service_labels]

    async def _observe(self, probe: _Probe, wanted: frozenset[str] | None, end_s: int
                       ) -> tuple[ConventionObservation, bool] | None:
        convention, label, lookback = probe.convention, probe.label, self._options.lookback_s
        values = await self._catalog.label_values(label, convention.requests_metric,
                                                  lookback, end_s)
        services = set(values.values) if wanted is None else (
            wanted if values.truncated else wanted & set(values.values))
        if not services:
            return None
        by, slices = (label, convention.code_label), self._options.slices
        requests = _selector(convention.requests_metric, convention, label, wanted)
        series, counted, buckets = await asyncio.gather(
            self._catalog.series_counts(requests, by, lookback, end_s),
            self._catalog.increases(requests, by, lookback // slices, end_s, slices),
            self._buckets(probe, wanted, end_s))
        ends = tuple(end_s - k * (lookback // slices) for k in range(slices - 1, -1, -1))
        observed = ConventionObservation(
            convention, label, probe.metric_type, ends,
            _by_service(series, services, lambda v: int(v[0])),
            _by_service(counted, services, list),
            _by_service(buckets, services, lambda v: v[0]))
        return (observed, values.truncated) if observed.series else None

    async def _buckets(self, probe: _Probe, wanted: frozenset[str] | None, end_s: int
                       ) -> Grouped:
        bucket = probe.convention.duration_bucket_metric
        if not probe.has_buckets or bucket is None:
            return {}
        selector = _selector(bucket, probe.convention, probe.label, wanted)
        return await self._catalog.increases(selector, (probe.label, "le"),
                                             self._options.lookback_s, end_s, 1)


def _selector(metric: str, convention: SliConvention, label: str,
              wanted: frozenset[str] | None) -> MetricSelector:
    """The convention's series of the wanted services: by name for one, by a regex for a
    few, all of them (grouped by service afterwards) for many."""
    extra = tuple(sorted(convention.extra_matchers.items()))
    if wanted is not None and len(wanted) == 1:
        return MetricSelector(metric, ((label, next(iter(wanted))), *extra))
    if wanted is not None and len(wanted) <= SERVICES_PER_MATCHER:
        return MetricSelector(metric, extra, ((label, "=~", re2_alternation(sorted(wanted))),))
    return MetricSelector(metric, extra)


def _by_service(grouped: Grouped, services: set[str] | frozenset[str],
                value: Callable[[list[float]], Any]) -> dict[str, dict[str, Any]]:
    """{(service, code or le): values} -> {service: {code or le: value}} for the services
    asked about."""
    found: dict[str, dict[str, Any]] = {}
    for (service, key), values in grouped.items():
        if service in services:
            found.setdefault(service, {})[key] = value(values)
    return found
