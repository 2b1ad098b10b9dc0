"""The exceptions use cases raise; the API maps each to one RFC 7807 problem type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class SloEngineError(Exception):
    """Base of every error the engine raises on purpose."""


@dataclass
class InvalidInput(SloEngineError):
    """A request broke a rule the schema cannot express; `problems` name each offending item."""

    detail: str
    problems: list[dict[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


@dataclass
class NotFound(SloEngineError):
    """Base for lookups that found nothing."""

    kind: str
    key: str

    def __str__(self) -> str:
        return f"{self.kind} '{self.key}' does not exist."


class ServiceNotFound(NotFound):
    def __init__(self, service_id: str) -> None:
        super().__init__("Service", service_id)


class IngestionNotFound(NotFound):
    def __init__(self, ingestion_id: str) -> None:
        super().__init__("Ingestion", ingestion_id)


class CycleAlertNotFound(NotFound):
    def __init__(self, cycle_id: str) -> None:
        super().__init__("Cycle alert", cycle_id)


class AutoApprovalRuleNotFound(NotFound):
    def __init__(self, rule_id: str) -> None:
        super().__init__("Auto-approval rule", rule_id)


class JobNotFound(NotFound):
    def __init__(self, job_id: str) -> None:
        super().__init__("Job", job_id)


class ArtifactNotFound(NotFound):
    def __init__(self, artifact_id: str) -> None:
        super().__init__("Artifact", artifact_id)


class SliNotFound(NotFound):
    def __init__(self, sli_id: str) -> None:
        super().__init__("SLI", sli_id)
class SimulationNotFound(NotFound):
    def __init__(self, simulation_id: str) -> None:
        super().__init__("Simulation", simulation_id)


class RecommendationNotFound(NotFound):
    def __init__(self, recommendation_id: str) -> None:
        super().__init__("Recommendation", recommendation_id)


class JourneyNotFound(NotFound):
    def __init__(self, journey_id: str) -> None:
        super().__init__("Journey", journey_id)


@dataclass
class JourneyConflict(SloEngineError):
    """A journey's new version was based on a version that is no longer the latest."""

    detail: str
    current_version: int

    def __str__(self) -> str:
        return self.detail


@dataclass
class SloConflict(SloEngineError):
    """A decision lost a race or was based on a state that has since changed."""

    detail: str
    current_slo: dict[str, Any] | None = None

    def __str__(self) -> str:
        return self.detail


@dataclass
class DependencyUnavailable(SloEngineError):
    """A backing server (graph store, Redis, Prometheus) did not answer."""

    component: str
    reason: str
    retry_after_s: float | None = None  # when the caller may try again, if anyone knows

    def __str__(self) -> str:
        return f"{self.component} is unavailable: {self.reason}"


@dataclass
class TelemetryQueryRejected(SloEngineError):
    """The metrics store answered but refused a query (a configuration or engine bug)."""

    query: str
    reason: str

    def __str__(self) -> str:
        return f"the metrics store rejected {self.query!r}: {self.reason}"


@dataclass
class DeliveryFailed(SloEngineError):
    """A webhook receiver did not take a notification (no answer, or a retryable status)."""

    reason: str

    def __str__(self) -> str:
        return f"webhook delivery failed: {self.reason}"


@dataclass
class AccessRefused(SloEngineError):
    """Base for refusals of the caller; `detail` says what to send or whom to ask."""

    detail: str

    def __str__(self) -> str:
        return self.detail


class Unauthenticated(AccessRefused):
    """No credential, or one that does not verify (unknown, revoked, expired, forged)."""


class Forbidden(AccessRefused):
    """The caller is known but its role or teams do not allow this action."""


@dataclass
class RateLimited(SloEngineError):
    """The caller's token bucket for this endpoint is empty."""

    limit_per_minute: int
    retry_after_s: int
    reset_s: int

    def __str__(self) -> str:
        return (f"Rate limit of {self.limit_per_minute} requests per minute exceeded; "
                f"retry in {self.retry_after_s} s.")


class ActiveSloNotFound(NotFound):
    def __init__(self, service_id: str) -> None:
        super().__init__("Active SLO", service_id)

    def __str__(self) -> str:
        return (f"Service '{self.key}' has no active SLO: accept or modify one of its "
                "recommendations first.")


@dataclass
class ArtifactInvalid(SloEngineError):
    """Generated artifacts failed their validator (promtool, a JSON schema); nothing was
    stored. `output` is the validator's own report."""

    detail: str
    output: str

    def __str__(self) -> str:
        return self.detail


@dataclass
class SloNotActive(InvalidInput):
    """A request named SLO versions that are not any service's active one (400)."""


class SloNotFound(NotFound):
    """An SLO id that is not the service's active SLO."""

    def __init__(self, slo_id: str, service_id: str) -> None:
        super().__init__("SLO", slo_id)
        self.service_id = service_id

    def __str__(self) -> str:
        return (f"SLO '{self.key}' is not the active SLO of service '{self.service_id}'; "
                "GET its slos for the active one's id.")


class StoredRecommendationNotFound(NotFound):
    """A service without a stored recommendation for the SLO period asked about."""

    def __init__(self, service_id: str, period_days: int) -> None:
        super().__init__("Recommendation", service_id)
        self.period_days = period_days

    def __str__(self) -> str:
        return (f"Service '{self.key}' has no stored recommendation for a "
                f"{self.period_days}-day SLO period; GET its slo-recommendations "
                f"(period_days={self.period_days}) first.")


@dataclass
class InsufficientHistory(SloEngineError):
    """The metrics store holds less of a service's history than a request needs."""

    service_id: str
    requested_days: int
    available_days: float
    first_seen_ms: int | None  # None: no history at all
    pointer: str = "/historical_window_days"

    def __str__(self) -> str:
        if self.first_seen_ms is None:
            return (f"Service '{self.service_id}' has no request history in the metrics "
                    f"store; {self.requested_days} days were asked for.")
        since = datetime.fromtimestamp(self.first_seen_ms / 1000, UTC).strftime(
            "%Y-%m-%dT%H:%MZ")
        return (f"Service '{self.service_id}' has {self.available_days:.1f} days of request "
                f"history (since {since}); {self.requested_days} were asked for. Ask for "
                f"at most {max(int(self.available_days), 1)} days.")


@dataclass
class SimulationTimedOut(SloEngineError):
    """A simulation ran past its time limit; nothing was kept."""

    limit_s: float

    def __str__(self) -> str:
        return (f"The simulation did not finish within its {self.limit_s:g} s limit; ask "
                "for fewer iterations or a shorter historical window.")
