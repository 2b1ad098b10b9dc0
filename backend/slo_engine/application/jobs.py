"""Background jobs as the rest of the engine sees them: what kinds exist and how one went.

The queue itself is a port (ports.JobQueue); RQ implements it, and `workers/` holds the
thin functions a worker runs for each kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class JobKind(StrEnum):
    ANALYSE_GRAPH = "analyse_graph"
    REGENERATE_RECOMMENDATIONS = "regenerate_recommendations"
    AGGREGATE_SLIS = "aggregate_slis"
    DETECT_DRIFT = "detect_drift"
    DELIVER_NOTIFICATION = "deliver_notification"
    FIT_FORECAST_PRIORS = "fit_forecast_priors"
    DISCOVER_GRAPH = "discover_graph"
    SIMULATE_SLO = "simulate_slo"



@dataclass(frozen=True)
class JobProgress:
    done: int
    total: int
    failed: int = 0


@dataclass(frozen=True)
class JobState:
    """One job, or a fleet job made of chunks (then the counts add up over its parts)."""

    job_id: str
    kind: str
    status: str  # queued | started | finished | failed | scheduled | deferred | canceled | stopped
    enqueued_at_ms: int | None
    started_at_ms: int | None = None
    ended_at_ms: int | None = None
    progress: JobProgress | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    parts: dict[str, int] = field(default_factory=dict)  # chunk status -> count
