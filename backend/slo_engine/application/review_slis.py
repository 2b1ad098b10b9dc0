"""The SLI review flow: list a service's candidate SLIs (discovering them when none are
stored, or on request), and approve one as it is or modified by a person's PromQL.

A modified SLI is parsed by a real PromQL parser (the PromqlParser port), read back into
SliDefinition fields (domain/sli_override.py), and test-run: every selector it reads must
select series in the lookback. Nothing is written until all of that passed. Approval
goes on the audit chain under the person's name and bumps the graph version, so every
process reloads its snapshot and recommendations, rules and drift checks read the
service with the approved SLI from then on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from slo_engine.application.audit_events import append_event
from slo_engine.application.discover_slis import DiscoverSlis, SliDiscovery
from slo_engine.application.ports import Clock, GraphStore, Row, SloLedger
from slo_engine.application.sli_ports import MetricCatalog, MetricSelector, PromqlParser, SliStore
from slo_engine.domain.errors import (
    DependencyUnavailable,
    InvalidInput,
    ServiceNotFound,
)
from slo_engine.domain.sli_definition import SliDefinition, UnsafeQuery
from slo_engine.domain.sli_discovery import SliCandidate
from slo_engine.domain.sli_override import (
    ParsedSelector,
    PromqlSyntaxError,
    only_selector,
    override_fields,
)

OVERRIDE = "override"  # the convention of a modified SLI


@dataclass(frozen=True)
class SliOverride:
    total_query: str
    good_query: str
    latency_query: str | None = None
    duration_unit_seconds: float | None = None


@dataclass(frozen=True)
class SliListing:
    service_id: str
    slis: list[Row]  # stored rows, definition/body/override decoded
    discovered: bool  # this request ran a discovery
    stale_reason: str | None  # the store did not answer: stored SLIs are shown
    unfinished: tuple[str, ...] = ()
    truncated: tuple[str, ...] = ()


def candidate_row(candidate: SliCandidate, rank: int) -> Row:
    body = {"queries": asdict(candidate.queries), "evidence": asdict(candidate.evidence),
            "explanations": list(candidate.explanations)}
    return {"sli_id": candidate.sli_id, "convention": candidate.convention, "rank": rank,
            "confidence": candidate.confidence,
            "definition": json.dumps(candidate.definition, sort_keys=True),
            "body": json.dumps(body, sort_keys=True)}


def decoded(row: Row) -> Row:
    return {**row, **{name: json.loads(row[name]) if row.get(name) else None
                      for name in ("definition", "body", "override")}}


class ReviewSlis:
    def __init__(self, discover: DiscoverSlis, catalog: MetricCatalog, store: SliStore,
                 graph: GraphStore, ledger: SloLedger, clock: Clock, parser: PromqlParser,
                 defaults: SliDefinition, on_approved: Callable[[str], None],
                 lookback_s: int) -> None:
        self._discover, self._catalog, self._store = discover, catalog, store
        self._graph, self._ledger, self._clock = graph, ledger, clock
        self._parser, self._defaults = parser, defaults
        self._on_approved = on_approved  # caches and snapshots of this process
        self._lookback_s = lookback_s

    @property
    def discovery(self) -> DiscoverSlis:
        """The discovery it lists from, as configured: `discovery.discover(None)` finds
        every service's candidates at once (what `bench discovery` measures)."""
        return self._discover

    async def listing(self, service_id: str, refresh: bool = False) -> SliListing:
        if await asyncio.to_thread(self._graph.get_service, service_id) is None:
            raise ServiceNotFound(service_id)
        stored = await asyncio.to_thread(self._store.slis_of, service_id)
        if stored and not refresh:
            return SliListing(service_id, [decoded(r) for r in stored], False, None)
        try:
            found = await self._discover.discover([service_id])
        except DependencyUnavailable as error:
            if not stored:
                raise
            return SliListing(service_id, [decoded(r) for r in stored], False, str(error))
        rows = await asyncio.to_thread(self._keep, service_id, found)
        return SliListing(service_id, [decoded(r) for r in rows], True, None,
                          found.unfinished, found.truncated)

    def _keep(self, service_id: str, found: SliDiscovery) -> list[Row]:
        candidates = found.candidates.get(service_id, [])
        self._store.store_candidates(service_id, [candidate_row(c, k) for k, c in
                                                  enumerate(candidates)],
                                     self._clock.now_ms())
        return self._store.slis_of(service_id)

    async def find(self, sli_id: str) -> Row | None:
        """The stored SLI (its service says whose team may approve it), None if none."""
        return await asyncio.to_thread(self._store.get_sli, sli_id)

    async def approve(self, sli: Row, actor: str, override: SliOverride | None = None,
                      rationale: str | None = None) -> tuple[Row, int]:
        """The approved SLI (as `find` read it) and the audit event's sequence."""
        sli_id, service_id = str(sli["sli_id"]), str(sli["service_id"])
        if override is None:
            convention, definition = str(sli["convention"]), json.loads(sli["definition"])
        else:
            convention, definition = OVERRIDE, await self._checked(service_id, override)
        return await asyncio.to_thread(self._record, sli_id, service_id, convention,
                                       definition, actor, override, rationale)

    def _record(self, sli_id: str, service_id: str, convention: str,
                definition: Mapping[str, Any], actor: str, override: SliOverride | None,
                rationale: str | None) -> tuple[Row, int]:
        now = self._clock.now_ms()
        text = json.dumps(definition, sort_keys=True)
        # Graph properties hold primitives only: the definition and queries as JSON text.
        queries = None if override is None else json.dumps(asdict(override), sort_keys=True)
        self._store.approve_sli(sli_id, {
            "convention": convention, "definition": text, "approved_by": actor,
            "override": queries,
            "approved_sli": json.dumps({"sli_id": sli_id, "convention": convention,
                                        "definition": definition}, sort_keys=True)}, now)
        sequence = append_event(self._ledger, service_id,
                                "sli_modified" if override else "sli_approved", actor,
                                {"sli_id": sli_id, "convention": convention,
                                 "definition": text, "override": queries,
                                 "rationale": rationale}, now)
        self._graph.bump_graph_version(now)
        self._on_approved(service_id)
        approved = self._store.get_sli(sli_id)
        assert approved is not None  # approved just now; SLIs are never deleted but stale
        return decoded(approved), sequence

    async def _checked(self, service_id: str, override: SliOverride) -> dict[str, Any]:
        """The override's definition fields, parsed, shaped and test-run; InvalidInput
        naming the query and the reason otherwise."""
        total = self._selector("total_query", override.total_query)
        good = self._selector("good_query", override.good_query)
        latency = (None if override.latency_query is None
                   else self._selector("latency_query", override.latency_query))
        fields = override_fields(service_id, total, good, latency)
        if override.duration_unit_seconds is not None:
            fields["duration_unit_seconds"] = override.duration_unit_seconds
        try:
            self._defaults.overridden_with(fields)
        except UnsafeQuery as error:
            raise InvalidInput(f"The override cannot be used as an SLI: {error}", [
                {"pointer": "/good_query", "message": str(error)}]) from error
        # Test-run together (each is one or two catalog queries); the first failure, in
        # the order of the fields, is the one reported.
        checks = [(name, selector) for name, selector in (
            ("total_query", total), ("good_query", good), ("latency_query", latency))
            if selector is not None]
        outcomes = await asyncio.gather(*(self._selects_series(name, selector)
                                          for name, selector in checks),
                                        return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return fields

    def _selector(self, name: str, query: str) -> ParsedSelector:
        try:
            return only_selector(name, self._parser.selectors(query))
        except PromqlSyntaxError as error:
            raise InvalidInput(f"{name} is not valid PromQL: {error}", [
                {"pointer": f"/{name}", "message": f"the parser says: {error}"}]) from error

    async def _selects_series(self, name: str, parsed: ParsedSelector) -> None:
        metric = str(parsed.metric)
        others = tuple(m for m in parsed.matchers if m[0] != "__name__")
        selector = MetricSelector(metric, (), others)
        end_s = self._clock.now_ms() // 1000
        if await self._catalog.series_counts(selector, (), self._lookback_s, end_s):
            return
        any_series = await self._catalog.series_counts(MetricSelector(metric), (),
                                                       self._lookback_s, end_s)
        hours = self._lookback_s // 3600
        reason = (f"{metric} has series, but none matching "
                  f"{', '.join(f'{a}{op}{v!r}' for a, op, v in others)}" if any_series
                  else f"no series of {metric} at all")
        raise InvalidInput(f"{name} selects no series in the last {hours} h: {reason}.", [
            {"pointer": f"/{name}", "message": f"{reason}; check the metric and label "
             "names against what the service publishes (GET /api/v1/sli lists them)"}])
