"""What a runbook is told about the world beyond its SLO, as plain values: the service's
dependencies with their SLO status (from the graph) and recent drift events (from the
audit trail). The application layer reads them; the generators only format them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Criticality = Literal["hard", "soft"]


@dataclass(frozen=True)
class DependencyStatus:
    """One dependency of the service: how it is called and how it stands against its SLO."""

    service_id: str
    criticality: Criticality
    objective_ratio: float | None  # its active SLO's availability target; None: no SLO
    availability_observed_ratio: float | None  # over its SLO period; None: not observed

    @property
    def status(self) -> str:
        if self.objective_ratio is None:
            return "no active SLO"
        if self.availability_observed_ratio is None:
            return "no observed availability"
        if self.availability_observed_ratio >= self.objective_ratio:
            return "meeting its objective"
        return "below its objective"


@dataclass(frozen=True)
class DriftNote:
    when: str  # ISO 8601 UTC, as the API shows times: '2025-05-01T09:30:00Z'
    summary: str


@dataclass(frozen=True)
class RunbookContext:
    """Knows what the graph and the audit trail say about a service when its runbooks are
    generated (they are regenerated with the SLO, so this is a snapshot)."""

    dependencies: tuple[DependencyStatus, ...] = field(default_factory=tuple)
    drift_events: tuple[DriftNote, ...] = field(default_factory=tuple)

    @property
    def hard_dependencies(self) -> tuple[DependencyStatus, ...]:
        return tuple(d for d in self.dependencies if d.criticality == "hard")

    @property
    def soft_dependencies(self) -> tuple[DependencyStatus, ...]:
        return tuple(d for d in self.dependencies if d.criticality == "soft")

    @property
    def recent_drift(self) -> tuple[DriftNote, ...]:
        """Newest first (ISO 8601 UTC texts sort as times)."""
        return tuple(sorted(self.drift_events, key=lambda note: note.when, reverse=True))
