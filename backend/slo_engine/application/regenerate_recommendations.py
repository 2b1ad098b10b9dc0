"""Fleet regeneration (TRD FR-9 re-evaluation, issue 6): recompute and store the default
recommendation of many services, a few at a time, reporting progress as it goes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.jobs import JobKind
from slo_engine.application.ports import JobQueue
from slo_engine.application.serve_recommendation import ServeRecommendation
from slo_engine.domain.errors import DependencyUnavailable, InvalidInput, ServiceNotFound

log = logging.getLogger(__name__)

# The document the API serves by default (all SLI types, 30 days), so a regenerated
# recommendation is the one readers hit.
DEFAULT_LOOKBACK_DAYS = 30

Progress = Callable[[int, int], None]  # (regenerated, failed) so far


@dataclass
class RegenerationOutcome:
    regenerated: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"regenerated": self.regenerated, "failed": len(self.failed),
                "failures": dict(list(self.failed.items())[:20]), "missing": self.missing[:20]}


def regeneration_targets(snapshots: SnapshotHolder) -> list[str]:
    """Every service we can recommend for: external services have no telemetry of their
    own (their SLA is an input, not an output)."""
    services = snapshots.current().services
    return sorted(s for s, row in services.items() if row.get("service_type") != "external")


def enqueue_regeneration(jobs: JobQueue, snapshots: SnapshotHolder,
                         service_ids: list[str] | None, chunk_services: int) -> str:
    """One job id for the whole set, split into chunks the workers share. None means the
    whole fleet; named services must exist."""
    if service_ids is None:
        service_ids = regeneration_targets(snapshots)
    else:
        known = snapshots.current().services
        unknown = [s for s in service_ids if s not in known]
        if unknown:
            raise InvalidInput(f"Unknown service(s): {', '.join(unknown[:10])}.", [{
                "pointer": "/service_ids", "message": "name services of the graph, or omit "
                                                      "service_ids for the whole fleet"}])
    if not service_ids:
        raise InvalidInput("There is nothing to regenerate: the graph has no internal "
                           "services yet.", [{"pointer": "/service_ids",
                                              "message": "ingest a dependency graph first"}])
    return jobs.enqueue_chunks(JobKind.REGENERATE_RECOMMENDATIONS,
                               regeneration_chunks(service_ids, chunk_services))


def regeneration_chunks(service_ids: list[str], chunk_services: int
                        ) -> list[Mapping[str, Any]]:
    return [{"service_ids": service_ids[k:k + chunk_services]}
            for k in range(0, len(service_ids), chunk_services)]


class RegenerateRecommendations:
    def __init__(self, serve: ServeRecommendation, concurrency: int) -> None:
        self._serve = serve
        self._concurrency = concurrency

    async def regenerate(self, service_ids: list[str], progress: Progress | None = None
                         ) -> RegenerationOutcome:
        outcome = RegenerationOutcome()
        gate = asyncio.Semaphore(self._concurrency)

        async def one(service_id: str) -> None:
            async with gate:
                try:
                    request = self._serve.request(service_id, "all", DEFAULT_LOOKBACK_DAYS,
                                                  force_regenerate=True)
                    served = await self._serve.get(request)
                    if served.stale:  # the metrics store failed: only the old one was found
                        outcome.failed[service_id] = str(served.stale_reason)
                    else:
                        outcome.regenerated += 1
                except ServiceNotFound:
                    outcome.missing.append(service_id)  # removed since it was enqueued
                except DependencyUnavailable as error:
                    outcome.failed[service_id] = str(error)
                if progress is not None:
                    progress(outcome.regenerated + len(outcome.missing), len(outcome.failed))

        await asyncio.gather(*(one(s) for s in service_ids))
        if outcome.failed:
            log.warning("regeneration: %d of %d services failed, first: %s",
                        len(outcome.failed), len(service_ids), next(iter(outcome.failed.items())))
        # A metrics store that failed every service is an outage: fail the job so it retries.
        if outcome.failed and len(outcome.failed) == len(service_ids):
            raise DependencyUnavailable("metrics store (Prometheus)",
                                        next(iter(outcome.failed.values())))
        return outcome
