"""TRD FR-1 step 5: where what runs differs from what is declared.

Runtime sources (service_mesh, otel_service_graph) observe calls; declared sources
(manual, kubernetes) state intent. Per edge, from its per-source provenance:
- declared_not_observed: declared, but no runtime source saw it within the staleness
  window (only said while some runtime source reports at all: without discovery nothing
  can be observed);
- observed_not_declared: a runtime source saw it within the window, no declared source
  names it;
- attribute_disagreement: both did, and the most trusted declared and runtime sources
  that report an attribute give it different values (declared async, observed sync).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slo_engine.domain.model import EDGE_ATTRIBUTES, DiscoverySource, Observation, ResolvedEdge

RUNTIME_SOURCES = (DiscoverySource.SERVICE_MESH, DiscoverySource.OTEL_SERVICE_GRAPH)
DECLARED_SOURCES = (DiscoverySource.MANUAL, DiscoverySource.KUBERNETES)
Provenance = Mapping[DiscoverySource, Observation]


class DivergenceKind(StrEnum):
    DECLARED_NOT_OBSERVED = "declared_not_observed"
    OBSERVED_NOT_DECLARED = "observed_not_declared"
    ATTRIBUTE_DISAGREEMENT = "attribute_disagreement"


@dataclass(frozen=True)
class Divergence:
    kind: DivergenceKind
    source: str
    target: str
    declared_by: list[str]
    observed_by: list[str]
    attribute: str | None = None
    declared: Any = None
    observed: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "source": self.source, "target": self.target,
                "declared_by": self.declared_by, "observed_by": self.observed_by,
                "attribute": self.attribute, "declared": self.declared,
                "observed": self.observed}


def edge_divergences(pair: tuple[str, str], provenance: Provenance, now_ms: int,
                     window_ms: int, runtime_active: bool) -> list[Divergence]:
    """The divergences of one edge (none, one kind of absence, or its disagreements)."""
    declared = [s for s in DECLARED_SOURCES if s in provenance]
    observed = [s for s in RUNTIME_SOURCES
                if s in provenance and now_ms - provenance[s].observed_at_ms <= window_ms]
    names = ([s.value for s in declared], [s.value for s in observed])
    if declared and not observed:
        return ([Divergence(DivergenceKind.DECLARED_NOT_OBSERVED, *pair, *names)]
                if runtime_active else [])
    if observed and not declared:
        return [Divergence(DivergenceKind.OBSERVED_NOT_DECLARED, *pair, *names)]
    if not declared:
        return []
    return _disagreements(pair, provenance, declared, observed)


def _disagreements(pair: tuple[str, str], provenance: Provenance,
                   declared: list[DiscoverySource], observed: list[DiscoverySource]
                   ) -> list[Divergence]:
    names = ([s.value for s in declared], [s.value for s in observed])
    found = []
    for attribute in EDGE_ATTRIBUTES:
        said = _first_value(provenance, declared, attribute)
        seen = _first_value(provenance, observed, attribute)
        if said is not None and seen is not None and said != seen:
            found.append(Divergence(DivergenceKind.ATTRIBUTE_DISAGREEMENT, *pair, *names,
                                    attribute, said, seen))
    return found


def _first_value(provenance: Provenance, sources: list[DiscoverySource], attribute: str
                 ) -> Any:
    """The value of the most trusted of these sources that reports it (sources are in
    priority order)."""
    return next((provenance[s].attributes[attribute] for s in sources
                 if provenance[s].attributes.get(attribute) is not None), None)


def sole_source_provenance(source: str, observed_at_ms: int, confidence_ratio: float
                           ) -> Provenance:
    """All that divergence reads of an edge one source alone reports: which source, and
    when it last did (an edge's resolved last_observed_at and confidence are its sole
    source's). Its attributes are left out: they can only disagree with another source's."""
    return {DiscoverySource(source): Observation({}, observed_at_ms, confidence_ratio)}


def graph_divergences(stored: Mapping[tuple[str, str], Provenance], now_ms: int,
                      window_ms: int) -> list[Divergence]:
    """Every edge's divergences, sorted by edge."""
    active = runtime_reporting(stored.values(), now_ms, window_ms)
    return [d for pair in sorted(stored)
            for d in edge_divergences(pair, stored[pair], now_ms, window_ms, active)]


def runtime_reporting(provenances: Iterable[Provenance], now_ms: int, window_ms: int) -> bool:
    """Whether any runtime source reported any edge within the window."""
    return any(now_ms - p[s].observed_at_ms <= window_ms
               for p in provenances for s in RUNTIME_SOURCES if s in p)


def ingestion_divergences(edges: list[ResolvedEdge], source: DiscoverySource, now_ms: int,
                          window_ms: int) -> list[Divergence]:
    """The divergences of the edges one ingestion merged; a runtime submission, or any
    fresh runtime observation among them, means discovery is running."""
    active = source in RUNTIME_SOURCES or runtime_reporting(
        (e.provenance for e in edges), now_ms, window_ms)
    return [d for e in edges
            for d in edge_divergences((e.source, e.target), e.provenance, now_ms, window_ms,
                                      active)]
