"""Rules for a dependency-graph submission: what is valid, and how it merges into the graph."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slo_engine.domain.errors import InvalidInput
from slo_engine.domain.model import (
    DEFAULT_SOURCE_CONFIDENCE,
    DiscoverySource,
    EdgeReport,
    Observation,
    ResolvedEdge,
    ServiceRecord,
)
from slo_engine.domain.provenance import (
    METADATA_KEY,
    AttributeConflict,
    attribute_conflicts,
    resolve_edge,
)

MAX_REPORTED_PROBLEMS = 50
MAX_EDGE_METADATA_BYTES = 4096  # serialised: what an exporter's notes need, not a payload


@dataclass(frozen=True)
class IngestionLimits:
    max_nodes: int = 50_000
    max_edges: int = 200_000
    allow_self_loops: bool = False


@dataclass(frozen=True)
class GraphSubmission:
    """One source's view of (part of) the graph at one moment."""

    source: DiscoverySource
    observed_at_ms: int
    services: list[ServiceRecord] = field(default_factory=list)
    edges: list[EdgeReport] = field(default_factory=list)

    def endpoint_ids(self) -> set[str]:
        return {e.source for e in self.edges} | {e.target for e in self.edges}

    def undeclared_ids(self) -> set[str]:
        """Edge endpoints the submission names without describing: placeholders if unknown."""
        return self.endpoint_ids() - {s.service_id for s in self.services}


def validate_submission(submission: GraphSubmission, limits: IngestionLimits) -> None:
    """Raise InvalidInput naming every offending item; nothing is written before this passes."""
    problems = _size_problems(submission, limits)
    if not problems:
        problems = _node_problems(submission) + _edge_problems(submission, limits)
    if problems:
        raise InvalidInput(
            f"The submission has {len(problems)} problem(s); nothing was written.",
            problems[:MAX_REPORTED_PROBLEMS],
        )


def _size_problems(submission: GraphSubmission, limits: IngestionLimits) -> list[dict[str, str]]:
    problems = []
    if len(submission.services) > limits.max_nodes:
        problems.append(_problem("/nodes", f"{len(submission.services)} nodes exceed the limit of "
                                 f"{limits.max_nodes}; split the submission into several."))
    if len(submission.edges) > limits.max_edges:
        problems.append(_problem("/edges", f"{len(submission.edges)} edges exceed the limit of "
                                 f"{limits.max_edges}; split the submission into several."))
    return problems


def _node_problems(submission: GraphSubmission) -> list[dict[str, str]]:
    seen: dict[str, int] = {}
    problems = []
    for i, service in enumerate(submission.services):
        if service.service_id in seen:
            problems.append(_problem(f"/nodes/{i}/service_id", f"'{service.service_id}' is listed "
                                     f"twice (also at /nodes/{seen[service.service_id]}); "
                                     "list each service once."))
        seen.setdefault(service.service_id, i)
    return problems


def _edge_problems(submission: GraphSubmission, limits: IngestionLimits) -> list[dict[str, str]]:
    seen: dict[tuple[str, str], int] = {}
    problems = []
    for i, edge in enumerate(submission.edges):
        if edge.source == edge.target and not limits.allow_self_loops:
            problems.append(_problem(f"/edges/{i}", f"'{edge.source}' depends on itself; remove "
                                     "the self-loop (self-loops are not allowed here)."))
        if edge.pair in seen:
            problems.append(_problem(f"/edges/{i}", f"the edge {edge.source} -> {edge.target} is "
                                     f"listed twice (also at /edges/{seen[edge.pair]}); "
                                     "list each ordered pair once."))
        seen.setdefault(edge.pair, i)
        size = len(json.dumps(edge.metadata, default=str)) if edge.metadata else 0
        if size > MAX_EDGE_METADATA_BYTES:
            problems.append(_problem(f"/edges/{i}", f"its {len(edge.metadata)} unknown "
                                     f"attribute(s) take {size} bytes as metadata, over the "
                                     f"limit of {MAX_EDGE_METADATA_BYTES}; drop or shorten "
                                     "them."))
    return problems


def _problem(pointer: str, message: str) -> dict[str, str]:
    return {"pointer": pointer, "message": message}


def observation_for(report: EdgeReport, submission: GraphSubmission) -> Observation:
    confidence = report.confidence_ratio
    if confidence is None:
        confidence = DEFAULT_SOURCE_CONFIDENCE[submission.source]
    attributes = ({**report.attributes, METADATA_KEY: report.metadata} if report.metadata
                  else report.attributes)
    return Observation(attributes, submission.observed_at_ms, confidence)


def metadata_summary(submission: GraphSubmission) -> dict[str, Any]:
    """What the ingestion result lists of the edges' free-form metadata."""
    keys = sorted({key for e in submission.edges for key in e.metadata})
    return {"edges_with_metadata": sum(1 for e in submission.edges if e.metadata),
            "edge_metadata_keys": keys[:MAX_REPORTED_PROBLEMS]}


@dataclass(frozen=True)
class MergeResult:
    edges: list[ResolvedEdge]
    conflicts: list[AttributeConflict]


def merge_submission(
    submission: GraphSubmission,
    stored: Mapping[tuple[str, str], Mapping[DiscoverySource, Observation]],
    now_ms: int,
    staleness_window_ms: int,
) -> MergeResult:
    """Fold the submission's observations into each edge's stored provenance and re-resolve it."""
    edges, conflicts = [], []
    source = submission.source
    for report in submission.edges:
        observation = observation_for(report, submission)
        known = stored.get(report.pair)
        provenance = {**known, source: observation} if known else {source: observation}
        edges.append(resolve_edge(report.source, report.target, provenance, now_ms,
                                  staleness_window_ms))
        if len(provenance) > 1:  # one source cannot disagree with itself
            conflicts.extend(attribute_conflicts(report.source, report.target, provenance))
    return MergeResult(edges, conflicts)


def service_properties(service: ServiceRecord) -> dict[str, Any]:
    return {
        "service_id": service.service_id,
        "team": service.team,
        "criticality": service.criticality.value if service.criticality else None,
        "tier": service.tier,
        "service_type": service.service_type.value,
        "metadata": service.metadata,
        # Kept apart, and small, so the in-process snapshot can carry it.
        "sli_queries": (json.dumps(service.metadata["sli"], sort_keys=True)
                        if service.metadata.get("sli") else None),
    }
