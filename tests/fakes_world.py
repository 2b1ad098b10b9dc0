"""The in-memory fakes wired together as runtime/bootstrap.py wires the adapters, for
use-case tests without servers: one InMemoryGraph under the GraphStore, SloLedger and
SliAggregateStore fakes, a recommendation cache, a graph snapshot, and a clock the test
sets; and the steady histories the Telemetry fake is filled with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from slo_engine.application.decide_slo import DecideSlo
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.ports import RecommendationWindow
from slo_engine.domain.model import DiscoverySource, ResolvedEdge, ServiceRecord
from slo_engine.domain.slo import RecommendedTargets
from slo_engine.domain.time_units import DAY_SECONDS
from tests.fakes import InMemoryRecommendationCache, TickingClock
from tests.fakes_graph import InMemoryGraphStore
from tests.fakes_graph_state import InMemoryGraph
from tests.fakes_ledger import InMemorySliAggregates, InMemorySloLedger
from tests.fakes_telemetry import ServiceSeries

END_S = 1_700_006_400  # on the hour (so on every 15-minute and 1-minute step)
STEP_S = 900
EXPIRY_MS = 24 * 3600 * 1000
WINDOW = RecommendationWindow("all", 30, 30)


@dataclass
class FakeWorld:
    """The stores a use case is built from, sharing one in-memory graph."""

    clock: TickingClock = field(default_factory=lambda: TickingClock(END_S * 1000))
    graph: InMemoryGraph = field(default_factory=InMemoryGraph)

    def __post_init__(self) -> None:
        self.store = InMemoryGraphStore(self.graph)
        self.ledger = InMemorySloLedger(self.graph)
        self.aggregates = InMemorySliAggregates(self.graph)
        self.cache = InMemoryRecommendationCache()
        self.snapshots = SnapshotHolder(self.store)
        self.ledger.audit_head()  # the chain's genesis head, as bootstrap creates it

    def add_services(self, *services: ServiceRecord) -> None:
        self.store.upsert_services(list(services), DiscoverySource.MANUAL.rank,
                                   self.clock.now_ms())
        self.store.bump_graph_version(self.clock.now_ms())

    def depend(self, source: str, target: str, criticality: str = "hard",
               mode: str = "sync", group: str | None = None) -> None:
        """A live edge from a manual source (both services must exist)."""
        now = self.clock.now_ms()
        self.store.upsert_dependencies([ResolvedEdge(
            source, target, {"criticality": criticality, "communication_mode": mode,
                             "redundancy_group": group},
            ["manual"], 1.0, now, False, {})], now)
        self.store.bump_graph_version(now)

    def decisions(self) -> DecideSlo:
        """Decisions that drop the service's cached recommendations, as bootstrap wires."""
        return DecideSlo(self.store, self.ledger, self.clock,
                         on_decided=lambda outcome: self.cache.invalidate(outcome.service_id))

    def recommendation(self, service_id: str, targets: RecommendedTargets,
                       window: RecommendationWindow = WINDOW,
                       expires_in_ms: int = EXPIRY_MS) -> str:
        """Stores an active recommendation proposing these targets; returns its id."""
        recommendation_id = f"rec-{service_id}-{len(self.graph.recommendations) + 1}"
        now = self.clock.now_ms()
        stored = self.store.store_recommendation(
            service_id, recommendation_id, window, self.store.graph_version(),
            {"service_id": service_id}, targets.to_record(), now, now + expires_in_ms)
        assert stored, f"{service_id} is not in the graph"
        return recommendation_id

    def status_of(self, recommendation_id: str) -> Any:
        return self.graph.recommendations[recommendation_id].properties.get("status")


def availability_targets(conservative: float, balanced: float, aggressive: float
                         ) -> RecommendedTargets:
    return RecommendedTargets({"conservative": conservative, "balanced": balanced,
                               "aggressive": aggressive})


def steady_series(requests: float, failures: float, days: float, end_s: int = END_S,
                  step_s: int = STEP_S, latency_shares: Mapping[float, float] | None = None
                  ) -> ServiceSeries:
    """`requests` a step of which `failures` fail, for the `days` before end_s; with
    latency buckets holding these shares of the requests (upper bound -> share at or
    under it, +Inf included) when given."""
    steps = int(days * DAY_SECONDS) // step_s
    per_step = np.full(steps, float(requests))
    buckets = {le: per_step * share for le, share in (latency_shares or {}).items()}
    return ServiceSeries.counting(end_s - steps * step_s, step_s, per_step,
                                  np.full(steps, float(failures)), buckets)
