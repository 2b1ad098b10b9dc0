"""In-memory fakes of the small ports, for use-case tests without servers. Each passes
the same contract suite as the adapter it stands in for (tests/contract/), so a fake
cannot drift from the real thing."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import orjson

from slo_engine.application.jobs import JobKind, JobProgress, JobState
from slo_engine.application.ports import Clock, StoredPriors
from slo_engine.domain.api_key import ApiKeyRecord
from slo_engine.domain.artifact import Artifact
from slo_engine.domain.auto_approval import AutoApprovalRule
from slo_engine.domain.fleet_prior import DEFAULT_PRIOR, FleetPrior


class InMemoryApiKeys:
    """The ApiKeyStore port."""

    def __init__(self) -> None:
        self._keys: dict[str, ApiKeyRecord] = {}

    def create_api_key(self, record: ApiKeyRecord) -> None:
        self._keys[record.key_id] = record

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        return self._keys.get(key_id)

    def list_api_keys(self) -> list[ApiKeyRecord]:
        return sorted(self._keys.values(), key=lambda r: (r.created_at_ms, r.key_id))

    def revoke_api_key(self, key_id: str, now_ms: int) -> bool:
        record = self._keys.get(key_id)
        if record is None or record.revoked:
            return False
        self._keys[key_id] = replace(record, revoked_at_ms=now_ms)
        return True


class InMemoryForecastPriors:
    """The ForecastPriorStore port. Priors go through their stored record, as in the
    graph (the pool rounded to 4 decimals)."""

    def __init__(self) -> None:
        self._stored: dict[str, dict[str, object]] = {}
        self._computed_at_ms: int | None = None

    def store_priors(self, priors: Mapping[str, FleetPrior], now_ms: int) -> int:
        self._stored = {name: prior.to_record() for name, prior in priors.items()}
        self._computed_at_ms = now_ms
        return len(self._stored)

    def priors(self) -> StoredPriors:
        return StoredPriors({name: FleetPrior.from_record(record)
                             for name, record in self._stored.items()}, self._computed_at_ms)


def fitted_prior_store(services: int = 2) -> InMemoryForecastPriors:
    """A store holding a fleet prior (the default one's numbers, pooled from `services`),
    as after the first fit: answers pool with it and are cached (one on the default
    prior is not: application/prior_bootstrap.py)."""
    store = InMemoryForecastPriors()
    store.store_priors({"fleet": replace(DEFAULT_PRIOR, services=services)}, 0)
    return store


class InMemoryApprovalRules:
    """The ApprovalRuleStore port."""

    def __init__(self) -> None:
        self._rules: dict[str, AutoApprovalRule] = {}

    def list_rules(self) -> list[AutoApprovalRule]:
        return sorted(self._rules.values(), key=lambda r: (r.created_at_ms, r.rule_id))

    def get_rule(self, rule_id: str) -> AutoApprovalRule | None:
        return self._rules.get(rule_id)

    def create_rule(self, rule: AutoApprovalRule) -> None:
        self._rules[rule.rule_id] = rule

    def update_rule(self, rule: AutoApprovalRule) -> bool:
        if rule.rule_id not in self._rules:
            return False
        self._rules[rule.rule_id] = rule
        return True

    def delete_rule(self, rule_id: str) -> bool:
        return self._rules.pop(rule_id, None) is not None


class TickingClock:
    """The Clock port: every reading a millisecond later."""

    def __init__(self, start_ms: int = 1_000) -> None:
        self.now = start_ms

    def now_ms(self) -> int:
        self.now += 1
        return self.now


class Monotonic:
    """A monotonic clock a test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class InMemoryRecommendationCache:
    """The RecommendationCache port. Values go through JSON as in Redis; entries do not
    expire (a test process is shorter than the real TTL)."""

    def __init__(self) -> None:
        self._entries: dict[str, bytes] = {}
        self._generations: dict[str, int] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self._entries.get(key)
        return None if raw is None else dict(orjson.loads(raw))

    def put(self, key: str, value: Mapping[str, Any]) -> None:
        self._entries[key] = orjson.dumps(value)

    def generation(self, service_id: str) -> int:
        return self._generations.get(service_id, 0)

    def invalidate(self, service_id: str) -> None:
        self._generations[service_id] = self.generation(service_id) + 1


class InMemoryArtifacts:
    """The ArtifactStore port. `slo_exists` answers as the graph's SLO nodes would (the
    in-memory ledger's versions, in the contract suite)."""

    def __init__(self, slo_exists: Callable[[str], bool]) -> None:
        self._slo_exists = slo_exists
        self._artifacts: dict[str, Artifact] = {}

    def store_artifact(self, artifact: Artifact) -> tuple[Artifact, bool] | None:
        if not self._slo_exists(artifact.slo_id):
            return None
        created = artifact.artifact_id not in self._artifacts
        return self._artifacts.setdefault(artifact.artifact_id, artifact), created

    def get_artifact(self, artifact_id: str) -> Artifact | None:
        return self._artifacts.get(artifact_id)


class InMemoryDriftCooldown:
    """The DriftCooldown port: a claim lasts its seconds on the clock it is given (Redis's
    keys expire on Redis's clock; a test moves this one)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until_ms: dict[str, int] = {}

    def claim(self, service_id: str, seconds: int) -> bool:
        now = self._clock.now_ms()
        if self._until_ms.get(service_id, now) > now:
            return False
        self._until_ms[service_id] = now + seconds * 1000
        return True


class WallClock:
    """The Clock port on the system's time, as RQ stamps jobs."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class EnqueuedJob:
    job_id: str
    kind: JobKind
    arguments: dict[str, Any]
    enqueued_at_ms: int


FLEET_PREFIX = "fleet-"


class InMemoryJobQueue:
    """The JobQueue port with no worker, as RQ is before one starts: every job stays
    queued, in `jobs` (by id, oldest first) for the test to read."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or WallClock()
        self.jobs: dict[str, EnqueuedJob] = {}
        self._fleets: dict[str, list[str]] = {}

    def enqueue(self, kind: JobKind, arguments: Mapping[str, Any], job_id: str | None = None
                ) -> str:
        job_id = job_id or f"{kind.value}-{uuid.uuid4().hex[:16]}"
        self.jobs.pop(job_id, None)
        self.jobs[job_id] = EnqueuedJob(job_id, kind, dict(arguments), self._clock.now_ms())
        return job_id

    def enqueue_chunks(self, kind: JobKind, chunks: list[Mapping[str, Any]]) -> str:
        fleet = f"{FLEET_PREFIX}{kind.value}-{uuid.uuid4().hex[:16]}"
        self._fleets[fleet] = [self.enqueue(kind, chunk, f"{fleet}-{k}")
                               for k, chunk in enumerate(chunks)]
        return fleet

    def of_kind(self, kind: JobKind) -> list[EnqueuedJob]:
        return [job for job in self.jobs.values() if job.kind is kind]

    def state(self, job_id: str) -> JobState | None:
        if job_id.startswith(FLEET_PREFIX):
            return self._fleet_state(job_id)
        job = self.jobs.get(job_id)
        return None if job is None else _queued(job)

    def _fleet_state(self, fleet: str) -> JobState | None:
        parts = [_queued(self.jobs[j]) for j in self._fleets.get(fleet, []) if j in self.jobs]
        if not parts:
            return None
        progress = [p.progress for p in parts if p.progress is not None]
        return JobState(
            job_id=fleet, kind=parts[0].kind, status="queued",
            enqueued_at_ms=min(p.enqueued_at_ms or 0 for p in parts),
            progress=JobProgress(0, sum(p.total for p in progress), 0) if progress else None,
            parts={"queued": len(parts)})

    def failed(self, limit: int) -> list[JobState]:  # noqa: ARG002
        return []  # nothing runs, so nothing fails, whatever the limit

    def workers_alive(self) -> int:
        return 0


def _queued(job: EnqueuedJob) -> JobState:
    services = job.arguments.get("service_ids")
    return JobState(job.job_id, job.kind.value, "queued", job.enqueued_at_ms,
                    progress=(JobProgress(0, len(services), 0) if isinstance(services, list)
                              else None))
