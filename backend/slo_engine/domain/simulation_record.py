"""A stored simulation: immutable, the answer kept as canonical JSON text under its
SHA-256, so an edited body no longer matches its hash (`intact`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from slo_engine.domain.artifact import content_hash
from slo_engine.domain.audit_chain import canonical_json

RunMode = Literal["inline", "queued"]


@dataclass(frozen=True)
class SimulationRecord:
    simulation_id: str
    service_id: str
    created_at_ms: int
    requested_by: str
    run_mode: RunMode
    inputs: Mapping[str, Any]  # the request as asked (after defaults)
    summary: Mapping[str, Any]  # a few headline numbers, for lists
    body: str  # the answer document, canonical JSON
    content_hash: str
    slo_id: str | None = None  # the SLO version tested, when one was named
    slo_version: int | None = None
    estimated_seconds: float | None = None
    provenance: Mapping[str, Any] | None = field(default=None)
    method: Mapping[str, Any] | None = field(default=None)

    @property
    def intact(self) -> bool:
        """The body still hashes to the stored hash."""
        return content_hash(self.body) == self.content_hash


def record_of(document: Mapping[str, Any], *, service_id: str, created_at_ms: int,
              requested_by: str, run_mode: RunMode, inputs: Mapping[str, Any],
              summary: Mapping[str, Any], estimated_seconds: float | None = None
              ) -> SimulationRecord:
    """The record of one answer document (which names its simulation, SLO, provenance
    and method)."""
    body = canonical_json(document)
    slo = document.get("slo") or {}
    return SimulationRecord(
        str(document["simulation_id"]), service_id, created_at_ms, requested_by, run_mode,
        inputs, summary, body, content_hash(body), slo.get("slo_id"), slo.get("version"),
        estimated_seconds, document.get("provenance"), document.get("method"))
