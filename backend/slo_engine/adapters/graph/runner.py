"""What the graph repository needs from a database driver: run a named query, get rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from slo_engine.application.ports import Row

# Constraints that make concurrent MERGEs safe; both backends declare exactly these.
UNIQUE_KEYS: tuple[tuple[str, str], ...] = (
    ("Service", "service_id"),
    ("Supernode", "scc_id"),
    ("CycleAlert", "cycle_id"),
    ("Ingestion", "ingestion_id"),
    ("GraphState", "name"),
    ("Recommendation", "recommendation_id"),
    ("SLO", "slo_id"),
    ("AuditEvent", "event_id"),
    ("AuditEvent", "sequence"),  # a second event claiming a predecessor is refused
    ("AuditHead", "chain"),
    ("AutoApprovalRule", "rule_id"),
    ("ApiKey", "key_id"),
    ("Sli", "sli_id"),
    ("SliAggregate", "aggregate_key"),
    ("Artifact", "artifact_id"),
    ("Simulation", "simulation_id"),
    ("Journey", "version_id"),
)


class CypherRunner(Protocol):
    """Knows how to run one named Cypher statement on one backend and return its rows."""

    backend: str

    def read(self, name: str, **params: Any) -> list[Row]: ...

    def write(self, name: str, **params: Any) -> list[Row]: ...

    def write_many(self, name: str, param_sets: Iterable[dict[str, Any]]) -> list[list[Row]]:
        """Run one statement per parameter set, in order (the sets may be built lazily)."""
        ...

    def apply_schema(self) -> None: ...

    def compact(self) -> None:
        """Make a restart after a bulk load fast (FalkorDB rewrites its append-only file)."""

    def close(self) -> None: ...
