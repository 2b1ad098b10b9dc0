"""The dependency bound of one service: what its hard dependencies allow, who limits it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from slo_engine.application.graph_snapshot import GraphSnapshot
from slo_engine.application.ports import GraphStore
from slo_engine.domain.composite import (
    CompositeAvailability,
    Dependency,
    composite_availability,
    published_sla_with_pessimism,
)

HIGH_RISK_BUDGET_SHARE = 0.30


@dataclass(frozen=True)
class DependencyRisk:
    service_id: str
    availability_ratio: float  # its own, without its dependencies' failures
    source: Literal["observed", "published_sla", "unknown"]
    budget_share: float  # of the balanced tier's error budget
    observed_ratio: float | None = None
    bound_gain_ratio: float = 0.0  # how much the bound would rise were it perfect


@dataclass(frozen=True)
class DependencyBound:
    root: str
    composite: CompositeAvailability
    dependencies: list[DependencyRisk]
    edges: list[Dependency]
    external_services: tuple[str, ...] = ()

    def if_improved(self, service_id: str, availability_ratio: float) -> float:
        """The bound again with one dependency at another availability (a counterfactual)."""
        return self.with_availability({service_id: availability_ratio})

    def with_availability(self, overrides: dict[str, float]) -> float:
        availability = {d.service_id: d.availability_ratio for d in self.dependencies}
        availability |= {self.root: 1.0, **overrides}
        return composite_availability(self.root, self.edges, availability).availability_ratio

    @property
    def bottleneck(self) -> DependencyRisk | None:
        """The dependency whose perfection would raise the bound most: structure counts,
        so a flaky member of a redundancy group is rarely it."""
        candidate = max(self.dependencies, key=lambda d: d.bound_gain_ratio, default=None)
        return candidate if candidate is not None and candidate.bound_gain_ratio > 0 else None


def hard_closure_edges(snapshot: GraphSnapshot, root: str) -> list[Dependency]:
    """Live edges out of every service the root needs over hard sync edges (the excluded
    ones too, so they can be reported as risks)."""
    edges, seen, frontier = [], {root}, [root]
    while frontier:
        for row in snapshot.out_edges.get(frontier.pop(), ()):
            if row["is_stale"]:
                continue
            dependency = dependency_from_row(row)
            edges.append(dependency)
            if dependency.exclusion_reason is None and dependency.target not in seen:
                seen.add(dependency.target)
                frontier.append(dependency.target)
    return edges


def assumed_external_availability(graph: GraphStore, snapshot: GraphSnapshot,
                                  service_id: str, pessimism_ratio: float) -> float | None:
    """An external service's published SLA less the pessimism (TRD FR-3), for when it has
    no observed history; None for internal services and externals without one. The
    snapshot carries no metadata, so the SLA is read from the store."""
    if snapshot.services.get(service_id, {}).get("service_type") != "external":
        return None
    published = ((graph.get_service(service_id) or {}).get("metadata") or {}).get(
        "published_sla")
    return (None if published is None
            else published_sla_with_pessimism(float(published), pessimism_ratio))


def dependency_from_row(row: Mapping[str, Any]) -> Dependency:
    """A snapshot edge as the composite maths sees it (unset attributes: hard, sync)."""
    return Dependency(row["source"], row["target"], row["criticality"] or "hard",
                      row["communication_mode"] or "sync", row["redundancy_group"])


def budget_share_flags(bound: DependencyBound) -> list[DependencyRisk]:
    return [d for d in bound.dependencies if d.budget_share > HIGH_RISK_BUDGET_SHARE]


def contradiction_warnings(bound: DependencyBound, observed_low_ratio: float) -> list[str]:
    """What history contradicts when a service achieved more than its dependencies
    supposedly allow: the inputs of the bound (which dependency's data) or its modelling
    assumptions (cycles all-must-be-up, a missing redundancy group, an edge that is
    really soft or asynchronous)."""
    composite = bound.composite
    warnings = [
        f"{bound.root} achieved at least {observed_low_ratio:.3%} over the lookback (the low "
        f"end of its interval), above the {composite.availability_ratio:.3%} its hard "
        "dependencies supposedly allow: the bound does not cap the tiers."]
    suspects = sorted((d for d in bound.dependencies if d.bound_gain_ratio > 0),
                      key=lambda d: d.bound_gain_ratio, reverse=True)[:3]
    for d in suspects:
        seen = ("observed" if d.source == "observed" else
                "assumed from its published SLA" if d.source == "published_sla" else "unknown")
        warnings.append(
            f"{d.service_id} ({seen} {_percent(d.observed_ratio or d.availability_ratio)}, "
            f"own {_percent(d.availability_ratio)}) costs the bound "
            f"{d.bound_gain_ratio:.3%}: check its data, and whether calls to it are really "
            "hard and synchronous, or have a fallback (a redundancy group).")
    for members in composite.supernodes:
        warnings.append(f"The cycle {', '.join(members)} is assumed all-must-be-up; history "
                        "suggests its members fail more independently.")
    return warnings


def _percent(ratio: float) -> str:
    return f"{ratio:.3%}"
