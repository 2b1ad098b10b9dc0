"""The dependency graph's vocabulary: services, edges, discovery sources and their priority."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class DiscoverySource(StrEnum):
    MANUAL = "manual"
    SERVICE_MESH = "service_mesh"
    OTEL_SERVICE_GRAPH = "otel_service_graph"
    KUBERNETES = "kubernetes"

    @property
    def rank(self) -> int:
        """0 is the most trusted (TRD FR-1: manual > service_mesh > otel > kubernetes)."""
        return SOURCE_PRIORITY.index(self)


SOURCE_PRIORITY: tuple[DiscoverySource, ...] = (
    DiscoverySource.MANUAL,
    DiscoverySource.SERVICE_MESH,
    DiscoverySource.OTEL_SERVICE_GRAPH,
    DiscoverySource.KUBERNETES,
)

# How far an edge reported by one source alone can be trusted: a human declaration is
# authoritative, observed traffic nearly so, a deployment manifest only hints at a call.
DEFAULT_SOURCE_CONFIDENCE: dict[DiscoverySource, float] = {
    DiscoverySource.MANUAL: 1.0,
    DiscoverySource.SERVICE_MESH: 0.95,
    DiscoverySource.OTEL_SERVICE_GRAPH: 0.9,
    DiscoverySource.KUBERNETES: 0.6,
}


class CommunicationMode(StrEnum):
    SYNC = "sync"
    ASYNC = "async"


class DependencyCriticality(StrEnum):
    HARD = "hard"
    SOFT = "soft"
    DEGRADED = "degraded"


class ServiceCriticality(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ServiceType(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class Direction(StrEnum):
    """Edges point from caller to callee: downstream is what a service calls."""

    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"
    BOTH = "both"


# Edge attributes resolved across sources by priority; everything else is provenance.
EDGE_ATTRIBUTES: tuple[str, ...] = (
    "communication_mode",
    "criticality",
    "protocol",
    "timeout_ms",
    "retry_config",
    "redundancy_group",
)

# What an attribute no source reported resolves to: the conservative reading for
# availability maths (an unknown call is assumed synchronous and required).
EDGE_DEFAULTS: dict[str, str] = {
    "communication_mode": CommunicationMode.SYNC.value,
    "criticality": DependencyCriticality.HARD.value,
}


@dataclass(frozen=True)
class ServiceRecord:
    """A service as submitted by one source (a node of an ingestion payload)."""

    service_id: str
    team: str | None = None
    criticality: ServiceCriticality | None = None
    tier: int | None = None
    service_type: ServiceType = ServiceType.INTERNAL
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EdgeReport:
    """One source's claim that `source` calls `target`, with the attributes it observed."""

    source: str
    target: str
    attributes: dict[str, Any]
    confidence_ratio: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # free-form, size-bounded

    @property
    def pair(self) -> tuple[str, str]:
        return (self.source, self.target)


@dataclass(frozen=True)
class Observation:
    """What one discovery source last said about an edge, and when (epoch ms)."""

    attributes: dict[str, Any]
    observed_at_ms: int
    confidence_ratio: float


@dataclass(frozen=True)
class ResolvedEdge:
    """The single DEPENDS_ON relationship stored for an ordered pair of services."""

    source: str
    target: str
    attributes: dict[str, Any]
    sources: list[str]
    confidence_ratio: float
    last_observed_at_ms: int
    is_stale: bool
    provenance: dict[DiscoverySource, Observation]
    metadata: dict[str, Any] = field(default_factory=dict)
