"""Resolving one edge from what several discovery sources said about it.

Each source keeps its own observation (attributes + time); the stored edge takes every
attribute from the most trusted source that reported it (TRD FR-1 priority), and any
source that reported a different value for it is a conflict worth surfacing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slo_engine.domain.model import (
    EDGE_ATTRIBUTES,
    EDGE_DEFAULTS,
    SOURCE_PRIORITY,
    DiscoverySource,
    Observation,
    ResolvedEdge,
)

Provenance = Mapping[DiscoverySource, Observation]
METADATA_KEY = "metadata"  # a source's free-form edge metadata, kept with its observation


@dataclass(frozen=True)
class AttributeConflict:
    """Sources disagree on one attribute of one edge; `resolved_from` won by priority."""

    source: str
    target: str
    attribute: str
    values: dict[str, Any]
    resolved_from: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "edge": [self.source, self.target],
            "attribute": self.attribute,
            "values": self.values,
            "resolved_from": self.resolved_from,
        }


def by_priority(provenance: Provenance) -> list[DiscoverySource]:
    """The sources present, most trusted first."""
    return [source for source in SOURCE_PRIORITY if source in provenance]


def resolve_attributes(provenance: Provenance) -> dict[str, Any]:
    """Each attribute from the highest-priority source that reported a value for it."""
    resolved: dict[str, Any] = dict(EDGE_DEFAULTS)
    # Least trusted first, so each more trusted source overwrites what it reported.
    for source in reversed(by_priority(provenance)):
        for attribute, value in provenance[source].attributes.items():
            if value is not None and attribute in EDGE_ATTRIBUTES:
                resolved[attribute] = value
    return resolved


def attribute_conflicts(
    source: str, target: str, provenance: Provenance
) -> list[AttributeConflict]:
    """Attributes for which two or more sources reported different non-null values."""
    conflicts = []
    for attribute in EDGE_ATTRIBUTES:
        values = {
            s.value: provenance[s].attributes[attribute]
            for s in by_priority(provenance)
            if provenance[s].attributes.get(attribute) is not None
        }
        distinct: list[Any] = []
        for value in values.values():
            if value not in distinct:  # equality, not identity: dicts may differ in key order
                distinct.append(value)
        if len(distinct) > 1:
            winner = next(iter(values))
            conflicts.append(AttributeConflict(source, target, attribute, values, winner))
    return conflicts


def corroborated_confidence(provenance: Provenance) -> float:
    """1 - prod(1 - c_i): independent sources that agree an edge exists raise confidence."""
    doubt = 1.0
    for observation in provenance.values():
        doubt *= 1.0 - observation.confidence_ratio
    return round(1.0 - doubt, 6)


def is_stale(last_observed_at_ms: int, now_ms: int, staleness_window_ms: int) -> bool:
    """An edge no source has refreshed within the window is stale (kept, never deleted)."""
    return now_ms - last_observed_at_ms > staleness_window_ms


def _resolve_single_source(
    source: str, target: str, provenance: Provenance, now_ms: int, staleness_window_ms: int
) -> ResolvedEdge:
    """The common case (one source knows the edge): the same result, without ranking."""
    ((only, observation),) = provenance.items()
    attributes = dict(EDGE_DEFAULTS)
    attributes.update((k, v) for k, v in observation.attributes.items()
                      if v is not None and k in EDGE_ATTRIBUTES)
    return ResolvedEdge(
        source, target, attributes, [only.value], round(observation.confidence_ratio, 6),
        observation.observed_at_ms,
        is_stale(observation.observed_at_ms, now_ms, staleness_window_ms), dict(provenance),
        dict(observation.attributes.get(METADATA_KEY) or {}),
    )


def resolve_edge(
    source: str, target: str, provenance: Provenance, now_ms: int, staleness_window_ms: int
) -> ResolvedEdge:
    if len(provenance) == 1:
        return _resolve_single_source(source, target, provenance, now_ms, staleness_window_ms)
    last_observed = max(o.observed_at_ms for o in provenance.values())
    return ResolvedEdge(
        source=source,
        target=target,
        attributes=resolve_attributes(provenance),
        sources=[s.value for s in by_priority(provenance)],
        confidence_ratio=corroborated_confidence(provenance),
        last_observed_at_ms=last_observed,
        is_stale=is_stale(last_observed, now_ms, staleness_window_ms),
        provenance=dict(provenance),
        metadata=resolve_metadata(provenance),
    )


def resolve_metadata(provenance: Provenance) -> dict[str, Any]:
    """Free-form edge metadata, key by key from the most trusted source that gave it."""
    merged: dict[str, Any] = {}
    for source in reversed(by_priority(provenance)):
        merged.update(provenance[source].attributes.get(METADATA_KEY) or {})
    return merged
