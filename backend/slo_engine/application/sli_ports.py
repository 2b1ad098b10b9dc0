"""The ports SLI discovery depends on (beside application/ports.py, which holds the rest):
the metric catalog of a metrics store, and where candidate and approved SLIs are kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from slo_engine.application.ports import Row
from slo_engine.domain.sli_override import ParsedSelector

Grouped = dict[tuple[str, ...], list[float]]  # label values in `by` order -> one per slice


@dataclass(frozen=True)
class MetricSelector:
    """metric{label op "value", ...}: equality matchers first, then any others."""

    metric: str
    equal: tuple[tuple[str, str], ...] = ()
    other: tuple[tuple[str, str, str], ...] = field(default=())  # (label, op, value)

    def matchers(self) -> tuple[tuple[str, str, str], ...]:
        return tuple((label, "=", value) for label, value in self.equal) + self.other


@dataclass(frozen=True)
class LabelValues:
    values: tuple[str, ...]  # sorted
    truncated: bool  # more values exist than the catalog's limit returns


class MetricCatalog(Protocol):
    """Knows which metrics, labels and series a metrics store holds over a window, and how
    much each group of series counted. Every method raises DependencyUnavailable when the
    store does not answer."""

    async def present_metrics(self, names: Sequence[str], window_s: int, end_s: int
                              ) -> set[str]:
        """The names among `names` with a sample in the window ending at end_s."""
        ...

    async def metric_types(self, names: Sequence[str]) -> dict[str, str]:
        """The type /api/v1/metadata gives each family name it knows (none for history
        that was backfilled rather than scraped)."""
        ...

    async def label_values(self, label: str, metric: str, window_s: int, end_s: int
                           ) -> LabelValues:
        """The values `label` takes on the series of `metric` in the window."""
        ...

    async def series_counts(self, selector: MetricSelector, by: tuple[str, ...],
                            window_s: int, end_s: int) -> Grouped:
        """How many series the selector matched in the window, per group (one value)."""
        ...

    async def increases(self, selector: MetricSelector, by: tuple[str, ...], window_s: int,
                        end_s: int, slices: int) -> Grouped:
        """Per group, `sum(increase(selector[window]))` in each of `slices` consecutive
        windows ending at end_s (oldest first; NaN where a group counted nothing)."""
        ...


class SliStore(Protocol):
    """Knows how to keep each service's candidate SLIs and the one approved for it."""

    def store_candidates(self, service_id: str, candidates: list[Row], now_ms: int) -> int:
        """Replaces the service's candidates (an approved SLI keeps its definition and
        status); returns how many are stored. Rows: sli_id, convention, rank, confidence,
        definition (JSON), body (JSON)."""
        ...

    def slis_of(self, service_id: str) -> list[Row]:
        """The service's SLIs, approved first, then by rank."""
        ...

    def get_sli(self, sli_id: str) -> Row | None:
        ...

    def approve_sli(self, sli_id: str, approval: Row, now_ms: int) -> Row | None:
        """Makes the SLI its service's approved one (an earlier approved one becomes a
        candidate again) with the approval's definition, convention, approved_by,
        override (JSON or None); None when no such SLI exists."""
        ...


class PromqlParser(Protocol):
    """Knows how to read the vector selectors of a PromQL expression."""

    def selectors(self, query: str) -> list[ParsedSelector]:
        """Every vector selector, in reading order; PromqlSyntaxError with the parser's
        message for text that is not PromQL."""
        ...
