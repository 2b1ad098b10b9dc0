"""Which SLO a simulation tests: the service's active SLO, a tier of its stored
recommendation, or targets the request spells out; exactly one of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from slo_engine.application.ports import GraphStore, RecommendationWindow, Row, SloLedger
from slo_engine.domain.errors import (
    ActiveSloNotFound,
    InvalidInput,
    SloNotFound,
    StoredRecommendationNotFound,
)
from slo_engine.domain.slo import LEGACY_PERIOD_DAYS, TIER_NAMES, RecommendedTargets, SloTargets

RECOMMENDATION_LOOKBACK_DAYS = 30  # the lookback GET slo-recommendations uses by default


@dataclass(frozen=True)
class SimulationRequest:
    service_id: str
    slo_id: str | None = None
    tier: str | None = None
    targets: SloTargets | None = None
    period_days: int | None = None  # for a tier or targets; an active SLO has its own
    historical_window_days: int = 90
    iterations: int = 1000
    seed: int | None = None  # None: one derived from the service id


@dataclass(frozen=True)
class SimulatedSlo:
    source: Literal["active_slo", "recommendation", "explicit"]
    targets: SloTargets
    period_days: int
    pointer: str  # the request field that named it, for problems about its targets
    slo_id: str | None = None
    slo_version: int | None = None
    recommendation_id: str | None = None
    tier: str | None = None


class SimulationTargets:
    """Knows which targets a simulation request names, from the ledger and the stored
    recommendations."""

    def __init__(self, graph: GraphStore, ledger: SloLedger, default_period_days: int
                 ) -> None:
        self._graph = graph
        self._ledger = ledger
        self._default_period_days = default_period_days

    def resolve(self, request: SimulationRequest) -> SimulatedSlo:
        named = [name for name, value in (("slo_id", request.slo_id), ("tier", request.tier),
                                          ("targets", request.targets)) if value is not None]
        if len(named) != 1:
            raise InvalidInput("Name exactly one SLO to test.", [{
                "pointer": f"/{named[1]}" if named else "/slo_id",
                "message": "give one of slo_id (the active SLO), tier (of the stored "
                           f"recommendation) or targets; got {len(named)}"}])
        if request.slo_id is not None:
            return self._active(request, request.slo_id)
        if request.tier is not None:
            return self._tier(request, request.tier)
        return self._explicit(request)

    def _active(self, request: SimulationRequest, slo_id: str) -> SimulatedSlo:
        active = self._ledger.active_slo(request.service_id)
        if active is None:
            raise ActiveSloNotFound(request.service_id)
        if active["slo_id"] != slo_id:
            raise SloNotFound(slo_id, request.service_id)
        period = int(active.get("period_days") or LEGACY_PERIOD_DAYS)
        if request.period_days not in (None, period):
            raise InvalidInput("An active SLO is tested over its own period.", [{
                "pointer": "/period_days",
                "message": f"the SLO's period is {period} days; leave period_days out"}])
        return SimulatedSlo("active_slo", _slo_targets(active), period, "/slo_id",
                            slo_id=slo_id, slo_version=int(active["version"]))

    def _tier(self, request: SimulationRequest, tier: str) -> SimulatedSlo:
        if tier not in TIER_NAMES:
            raise InvalidInput("Unknown tier.", [{"pointer": "/tier",
                                                  "message": f"use one of {list(TIER_NAMES)}"}])
        period = request.period_days or self._default_period_days
        window = RecommendationWindow("all", RECOMMENDATION_LOOKBACK_DAYS, period)
        latest = self._graph.latest_recommendation(request.service_id, window)
        stored = (self._ledger.get_recommendation(latest["recommendation_id"])
                  if latest is not None else None)
        if latest is None or stored is None:
            raise StoredRecommendationNotFound(request.service_id, period)
        targets = RecommendedTargets.from_record(stored.get("targets")).for_tier(tier)
        if targets.empty:
            raise InvalidInput("The recommendation has no target for this tier.", [{
                "pointer": "/tier", "message": "choose a tier the recommendation has"}])
        return SimulatedSlo("recommendation", targets, period, "/tier",
                            recommendation_id=str(latest["recommendation_id"]), tier=tier)

    def _explicit(self, request: SimulationRequest) -> SimulatedSlo:
        targets = request.targets or SloTargets()
        if targets.empty:
            raise InvalidInput("The targets name nothing to test.", [{
                "pointer": "/targets",
                "message": "give availability and/or latency targets"}])
        return SimulatedSlo("explicit", targets,
                            request.period_days or self._default_period_days, "/targets")


def _slo_targets(slo: Row) -> SloTargets:
    return SloTargets(slo.get("availability_target_ratio"),
                      dict(slo.get("latency_targets_seconds") or {}))
