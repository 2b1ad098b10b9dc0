"""The ports use cases depend on; adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from slo_engine.application.jobs import JobKind, JobState
from slo_engine.domain.access import Principal
from slo_engine.domain.api_key import ApiKeyRecord
from slo_engine.domain.artifact import Artifact
from slo_engine.domain.audit_chain import ChainedEvent
from slo_engine.domain.auto_approval import AutoApprovalRule
from slo_engine.domain.cycles import Cycle
from slo_engine.domain.fleet_prior import FleetPrior
from slo_engine.domain.model import DiscoverySource, Observation, ResolvedEdge, ServiceRecord
from slo_engine.domain.rate_limit import RateDecision
from slo_engine.domain.simulation_record import SimulationRecord
from slo_engine.domain.sli_aggregates import SliAggregate

Row = dict[str, Any]


@dataclass(frozen=True)
class RecommendationWindow:
    """What a stored recommendation is filed under: its SLI type, the baseline lookback
    and the SLO period its breach probabilities forecast."""

    sli_type: str
    lookback_days: int
    period_days: int
StoredProvenance = dict[tuple[str, str], dict[DiscoverySource, Observation]]


class GraphStore(Protocol):
    """Knows how to read and write the service dependency graph, whatever the backend."""

    backend: str

    def ping(self) -> None: ...

    def apply_schema(self) -> None: ...

    def compact(self) -> None: ...

    # services
    def upsert_services(self, services: list[ServiceRecord], rank: int, now_ms: int) -> int: ...

    def existing_service_ids(self, service_ids: list[str]) -> set[str]: ...

    def create_placeholder_services(self, service_ids: list[str], now_ms: int) -> int: ...

    def list_services(
        self, after: str, limit: int, filters: Mapping[str, Any]
    ) -> list[Row]: ...

    def get_service(self, service_id: str) -> Row | None: ...

    # dependencies
    def edge_provenance(self, pairs: list[tuple[str, str]]) -> StoredProvenance: ...

    def edge_metadata(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Row]:
        """The metadata of those edges that have any (decoded JSON)."""
        ...

    def shared_edge_provenance(self, pairs: list[tuple[str, str]], only_source: DiscoverySource
                               ) -> StoredProvenance:
        """edge_provenance of those edges some source other than only_source reports."""
        ...

    def upsert_dependencies(self, edges: list[ResolvedEdge], now_ms: int) -> int: ...

    def mark_stale_dependencies(self, cutoff_ms: int, now_ms: int) -> int: ...

    def dependency_pairs(self) -> dict[str, list[str]]:
        """Live edges as caller -> callees."""
        ...

    def all_services(self) -> list[Row]: ...

    def all_dependencies(self) -> list[Row]: ...

    def bump_graph_version(self, now_ms: int) -> int: ...

    def graph_version(self) -> int: ...

    # cycles
    def replace_supernodes(self, cycles: list[Cycle], now_ms: int) -> None: ...

    def upsert_cycle_alerts(
        self, cycles: list[Cycle], ingestion_id: str, now_ms: int
    ) -> set[str]:
        """Returns the ids of alerts created by this call."""
        ...

    def resolve_vanished_cycle_alerts(self, cycle_ids: list[str], now_ms: int) -> list[str]: ...

    def list_cycle_alerts(self, status: str | None) -> list[Row]: ...

    def get_cycle_alert(self, cycle_id: str) -> Row | None: ...

    def update_cycle_alert(
        self, cycle_id: str, status: str, acknowledged_by: str | None,
        resolution_notes: str | None, now_ms: int,
    ) -> bool: ...

    # ingestions
    def create_ingestion(
        self, ingestion_id: str, source: str, nodes: int, edges: int, now_ms: int
    ) -> None: ...

    def finish_ingestion(
        self, ingestion_id: str, status: str, result: Mapping[str, Any], now_ms: int
    ) -> None: ...

    def get_ingestion(self, ingestion_id: str) -> Row | None: ...

    # recommendations
    def store_recommendation(
        self, service_id: str, recommendation_id: str, window: RecommendationWindow,
        graph_version: int, body: Mapping[str, Any], targets: Mapping[str, Any], now_ms: int,
        expires_at_ms: int,
    ) -> bool:
        """`targets` are the tiers' targets in ratios and seconds (RecommendedTargets); the
        previous active one of the same window is superseded."""
        ...

    def latest_recommendation(self, service_id: str, window: RecommendationWindow
                              ) -> Row | None:
        """Recommendations stored before periods were kept count as 30-day ones."""
        ...


class SloLedger(Protocol):
    """Knows how to keep SLO versions, decisions on recommendations and the audit chain.

    Writes are compare-and-set: they return False and write nothing when the chain head
    (or the active SLO, or the recommendation's status) is no longer what was read.
    """

    def audit_head(self) -> tuple[int, str]:
        """(sequence, hash) of the newest audit event; (0, genesis) before the first."""
        ...

    def audit_events(self, after_sequence: int, limit: int) -> list[ChainedEvent]: ...

    def service_audit_events(self, service_id: str, limit: int) -> list[ChainedEvent]: ...

    def append_audit_event(self, service_id: str, event: ChainedEvent, now_ms: int) -> bool: ...

    def record_slo_version(self, service_id: str, expected_slo_id: str | None,
                           recommendation_id: str | None, recommendation_status: str,
                           slo: Mapping[str, Any], event: ChainedEvent, now_ms: int
                           ) -> bool: ...

    def record_rejection(self, service_id: str, recommendation_id: str, event: ChainedEvent,
                         now_ms: int) -> bool: ...

    def active_slo(self, service_id: str) -> Row | None: ...

    def slo_versions(self, service_id: str) -> list[Row]: ...

    def all_active_slos(self) -> dict[str, Row]: ...

    def get_recommendation(self, recommendation_id: str) -> Row | None: ...

    def slo_coverage(self) -> list[Row]: ...

    def decision_counts(self) -> list[Row]: ...


class JourneyStore(Protocol):
    """Knows how to keep user journeys as versions that are never edited (a new version
    SUPERSEDES the latest), each linked to the services it passes, and how to read the
    metadata failure domains come from.

    The write is compare-and-set: False and nothing written when the audit chain's head
    or the journey's latest version is no longer what was read, or a step is no service.
    """

    def record_journey_version(self, journey: Mapping[str, Any], expected_version: int,
                               event: ChainedEvent, now_ms: int) -> bool:
        """`journey`: journey_id, version_id, version, name, steps (in order),
        entry_service_id, created_at, created_by, and availability_target_ratio if any."""
        ...

    def journey_versions(self, journey_id: str) -> list[Row]:
        """Newest first; each with its steps in order."""
        ...

    def current_journeys(self) -> list[Row]:
        """The latest version of every journey, by name."""
        ...

    def service_metadata(self, service_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each existing service's metadata (empty when it has none)."""
        ...


class ApprovalRuleStore(Protocol):
    """Knows how to keep the auto-approval rules."""

    def list_rules(self) -> list[AutoApprovalRule]: ...

    def get_rule(self, rule_id: str) -> AutoApprovalRule | None: ...

    def create_rule(self, rule: AutoApprovalRule) -> None: ...

    def update_rule(self, rule: AutoApprovalRule) -> bool: ...

    def delete_rule(self, rule_id: str) -> bool: ...


class SecretHasher(Protocol):
    """Knows how to hash a secret slowly (bcrypt) and check one against its hash."""

    def hash(self, secret: str) -> str: ...

    def matches(self, secret: str, digest: str) -> bool: ...


class ApiKeyStore(Protocol):
    """Knows how to keep issued API keys (hashes only) and their revocation."""

    def create_api_key(self, record: ApiKeyRecord) -> None: ...

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None: ...

    def list_api_keys(self) -> list[ApiKeyRecord]: ...

    def revoke_api_key(self, key_id: str, now_ms: int) -> bool:
        """False when the key does not exist or was revoked already."""
        ...


@dataclass(frozen=True)
class StoredPriors:
    """The forecast priors by class of services, and when they were fitted (epoch ms)."""

    by_class: Mapping[str, FleetPrior]
    computed_at_ms: int | None


class ForecastPriorStore(Protocol):
    """Knows how to keep the fleet's forecast priors, one per class of services."""

    def store_priors(self, priors: Mapping[str, FleetPrior], now_ms: int) -> int: ...

    def priors(self) -> StoredPriors: ...


class SliAggregateStore(Protocol):
    """Knows how to keep each service's latest SLI aggregates, and the baseline each active
    recommendation is judged against."""

    def store_aggregates(self, aggregates: list[SliAggregate], now_ms: int) -> int: ...

    def service_aggregates(self, service_id: str) -> list[Row]: ...

    def active_recommendation_baselines(self) -> list[Row]:
        """recommendation_id, service_id, lookback_days, baseline (a mapping, or None)."""
        ...

    def set_recommendation_baselines(self, baselines: Mapping[str, Mapping[str, Any]]
                                     ) -> None: ...

    def mark_recommendations_stale(self, reasons: Mapping[str, str], now_ms: int
                                   ) -> list[str]:
        """Marks every active recommendation of each service (service -> why); returns the
        services that had one."""
        ...


class TokenVerifier(Protocol):
    """Knows how to turn a bearer token into the person it was issued to."""

    def verify(self, token: str) -> Principal:
        """Raises Unauthenticated for a token that is invalid, expired or not for us."""
        ...


class RateLimiter(Protocol):
    """Knows how to draw a token from a named bucket refilled at a rate per minute."""

    def take(self, bucket: str, limit_per_minute: int) -> RateDecision: ...


class ArtifactStore(Protocol):
    """Knows how to keep generated artifacts, each linked to the SLO version it came from;
    an artifact is never edited."""

    def store_artifact(self, artifact: Artifact) -> tuple[Artifact, bool] | None:
        """The stored artifact of this id (the given one if new, else the one stored
        first) and whether this call created it. None: the SLO version does not exist."""
        ...

    def get_artifact(self, artifact_id: str) -> Artifact | None: ...


class SimulationStore(Protocol):
    """Knows how to keep simulations, each linked to the service (and SLO version) it
    simulated; a simulation is never edited."""

    def store_simulation(self, record: SimulationRecord) -> bool:
        """False: the service is gone or the id is taken; nothing was written."""
        ...

    def get_simulation(self, simulation_id: str) -> SimulationRecord | None: ...

    def service_simulations(self, service_id: str, limit: int) -> list[SimulationRecord]:
        """Newest first, without their bodies (`body`, `provenance` and `method` empty)."""
        ...


@dataclass(frozen=True)
class RuleCheck:
    passed: bool
    output: str  # the checker's own words, for the person who has to fix the rules


class RuleChecker(Protocol):
    """Knows how to check Prometheus rule files, and run rule unit tests, as Prometheus's
    own tool does."""

    def check_rules(self, rule_files: Mapping[str, str]) -> RuleCheck: ...

    def test_rules(self, files: Mapping[str, str], test_files: list[str]) -> RuleCheck: ...


class DocumentValidator(Protocol):
    """Knows how to check generated documents against the schema of their kind
    (grafana_dashboard, openslo, runbook)."""

    def check(self, kind: str, documents: Sequence[Any]) -> RuleCheck: ...


class Clock(Protocol):
    """Knows the current time in epoch milliseconds."""

    def now_ms(self) -> int: ...


class GraphWriteLock(Protocol):
    """Knows how to serialise read-merge-write cycles on the graph across API replicas."""

    def hold(self) -> AbstractContextManager[None]: ...




class DriftCooldown(Protocol):
    """Remembers which services had drift confirmed lately, across workers."""

    def claim(self, service_id: str, seconds: int) -> bool:
        """True for the first caller to claim this service; False while a claim lasts."""
        ...


class WebhookSender(Protocol):
    """Knows how to POST a signed notification and say how it went."""

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """The HTTP status; raises DeliveryFailed when no answer came."""
        ...


class RecommendationCache(Protocol):
    """Knows how to keep rendered recommendations briefly; failures only mean misses."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: Mapping[str, Any]) -> None: ...

    def generation(self, service_id: str) -> int:
        """Bumped to invalidate every cached recommendation of a service."""
        ...

    def invalidate(self, service_id: str) -> None: ...


class JobQueue(Protocol):
    """Knows how to hand work to background workers and tell how it is going."""

    def enqueue(self, kind: JobKind, arguments: Mapping[str, Any], job_id: str | None = None
                ) -> str:
        """The job's id; it runs once a worker takes it (at once in inline mode). Enqueuing
        a job id again replaces the earlier job of that id."""
        ...

    def enqueue_chunks(self, kind: JobKind, chunks: list[Mapping[str, Any]]) -> str:
        """Many jobs of one kind tracked under one id, shared among the workers."""
        ...

    def state(self, job_id: str) -> JobState | None: ...

    def failed(self, limit: int) -> list[JobState]: ...

    def workers_alive(self) -> int: ...
