"""FR-5: accept, modify or reject a recommendation; each decision and its audit event
commit together, and a decision that lost a race gets a conflict, never a silent merge.

The ledger writes compare-and-set against what was read. When a write does not land,
everything is read again: if the recommendation was decided meanwhile (or the SLO moved
past the version the caller expected) the decision conflicts; if only the audit chain
moved on (a decision elsewhere) it is hashed again and retried.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from slo_engine.application.ports import Clock, GraphStore, Row, SloLedger
from slo_engine.domain.audit_chain import ChainedEvent, canonical_json, chained
from slo_engine.domain.errors import (
    InvalidInput,
    RecommendationNotFound,
    ServiceNotFound,
    SloConflict,
)
from slo_engine.domain.slo import (
    LEGACY_PERIOD_DAYS,
    RecommendedTargets,
    SloTargets,
    TargetChange,
    next_targets,
)

DecisionAction = Literal["accept", "modify", "reject", "auto_approve"]
SOURCES = {"accept": "recommendation_accepted", "modify": "recommendation_modified",
           "auto_approve": "recommendation_auto_approved"}
STATUSES = {"accept": "accepted", "modify": "modified", "auto_approve": "accepted"}
MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class SloDecision:
    recommendation_id: str
    action: DecisionAction
    actor: str
    selected_tier: str = "balanced"
    modifications: SloTargets = field(default_factory=SloTargets)
    rationale: str | None = None
    expected_version: int | None = None  # the SLO version the decider saw, if they say


@dataclass(frozen=True)
class DecisionOutcome:
    service_id: str
    action: DecisionAction
    recommendation_id: str
    slo: Row | None  # the new active version; None for a rejection
    changes: list[TargetChange]
    audit_sequence: int


class DecideSlo:
    def __init__(self, graph: GraphStore, ledger: SloLedger, clock: Clock,
                 on_decided: Callable[[DecisionOutcome], None] | None = None) -> None:
        self._graph = graph
        self._ledger = ledger
        self._clock = clock
        self._on_decided = on_decided  # e.g. drop the service's cached recommendations, count

    def decide(self, service_id: str, decision: SloDecision) -> DecisionOutcome:
        if self._graph.get_service(service_id) is None:
            raise ServiceNotFound(service_id)
        if decision.action == "reject" and not (decision.rationale or "").strip():
            raise InvalidInput("A rejection needs its rationale.", [{
                "pointer": "/rationale", "message": "say why the recommendation is rejected"}])
        for _ in range(MAX_ATTEMPTS):
            outcome = self._attempt(service_id, decision)
            if outcome is not None:
                if self._on_decided is not None:
                    self._on_decided(outcome)
                return outcome
        raise SloConflict("The audit chain kept moving; try the decision again.",
                          self._ledger.active_slo(service_id))

    def _attempt(self, service_id: str, decision: SloDecision) -> DecisionOutcome | None:
        recommendation = self._decidable_recommendation(service_id, decision)
        active = self._ledger.active_slo(service_id)
        if decision.expected_version is not None and decision.expected_version != (
                active or {}).get("version", 0):
            raise SloConflict(f"The SLO of {service_id} is no longer version "
                              f"{decision.expected_version}.", active)
        now = self._clock.now_ms()
        if decision.action == "reject":
            event = self._event(service_id, decision, now, active, None, [])
            written = self._ledger.record_rejection(service_id, decision.recommendation_id,
                                                    event, now)
            return self._outcome(service_id, decision, None, [], event) if written else None
        recommended = RecommendedTargets.from_record(recommendation["targets"])
        targets, changes = next_targets(
            "modify" if decision.action == "modify" else "accept",
            recommended.for_tier(decision.selected_tier), decision.modifications,
            SloTargets.from_record(_targets_record(active)) if active else None)
        _check_expressible(targets, decision)
        slo = self._slo(service_id, decision, targets, changes, active, now,
                        int(recommendation.get("period_days") or LEGACY_PERIOD_DAYS))
        if targets.latency_seconds:  # the histogram's bounds: where rules can judge them
            slo["latency_bucket_bounds_seconds"] = list(
                recommended.latency_bucket_bounds_seconds
                or (active or {}).get("latency_bucket_bounds_seconds") or [])
        event = self._event(service_id, decision, now, active, slo, changes)
        written = self._ledger.record_slo_version(
            service_id, active["slo_id"] if active else None, decision.recommendation_id,
            STATUSES[decision.action], slo, event, now)
        return self._outcome(service_id, decision, slo, changes, event) if written else None

    def _decidable_recommendation(self, service_id: str, decision: SloDecision) -> Row:
        recommendation = self._ledger.get_recommendation(decision.recommendation_id)
        if recommendation is None or recommendation["service_id"] != service_id:
            raise RecommendationNotFound(decision.recommendation_id)
        status = recommendation["status"]
        if status != "active":
            raise SloConflict(f"Recommendation {decision.recommendation_id} is already "
                              f"{status}; fetch the current recommendation and decide on it.",
                              self._ledger.active_slo(service_id))
        if recommendation["expires_at"] < self._clock.now_ms():
            raise SloConflict(f"Recommendation {decision.recommendation_id} has expired; "
                              "regenerate it (force_regenerate=true) and decide on the new one.",
                              self._ledger.active_slo(service_id))
        return recommendation

    def _slo(self, service_id: str, decision: SloDecision, targets: SloTargets,
             changes: list[TargetChange], active: Row | None, now: int, period_days: int
             ) -> dict[str, Any]:
        return {
            "slo_id": str(uuid.uuid4()), "service_id": service_id,
            "version": int((active or {}).get("version", 0)) + 1,
            "availability_target_ratio": targets.availability_ratio,
            "latency_targets_seconds": dict(targets.latency_seconds),
            "source": SOURCES[decision.action], "recommendation_id": decision.recommendation_id,
            "selected_tier": decision.selected_tier, "period_days": period_days,
            "activated_at": now,
            "activated_by": decision.actor, "rationale": decision.rationale,
            "modification_delta": [_change_record(c) for c in changes],
        }

    def _event(self, service_id: str, decision: SloDecision, now: int, previous: Row | None,
               new: Mapping[str, Any] | None, changes: list[TargetChange]) -> ChainedEvent:
        sequence, previous_hash = self._ledger.audit_head()
        content = {
            "event_id": str(uuid.uuid4()), "action": decision.action, "service_id": service_id,
            "actor": decision.actor, "recommendation_id": decision.recommendation_id,
            "selected_tier": None if decision.action == "reject" else decision.selected_tier,
            "rationale": decision.rationale, "occurred_at": now,
            "previous_slo": canonical_json(previous) if previous else None,
            "new_slo": canonical_json(new) if new else None,
            "modification_delta": (canonical_json([_change_record(c) for c in changes])
                                   if changes else None),
        }
        return chained(content, sequence + 1, previous_hash)

    def _outcome(self, service_id: str, decision: SloDecision, slo: Row | None,
                 changes: list[TargetChange], event: ChainedEvent) -> DecisionOutcome:
        return DecisionOutcome(service_id, decision.action, decision.recommendation_id, slo,
                               changes, event.sequence)


def _check_expressible(targets: SloTargets, decision: SloDecision) -> None:
    """An availability target of 0% or 100% leaves no budget to alert on or a budget of
    everything: no rule, dashboard or burn rate can express it, so it never activates."""
    ratio = targets.availability_ratio
    if ratio is not None and not 0.0 < ratio < 1.0:
        raise InvalidInput(f"An availability target of {ratio:.2%} cannot be an SLO.", [{
            "pointer": "/selected_tier",
            "message": (f"the {decision.selected_tier} tier's target is {ratio:.2%}: choose "
                        "another tier, or modify it (modifications.availability_target) "
                        "to a target strictly between 0% and 100%")}])


def _targets_record(slo: Row) -> dict[str, Any]:
    return {"availability_ratio": slo.get("availability_target_ratio"),
            "latency_seconds": slo.get("latency_targets_seconds") or {}}


def _change_record(change: TargetChange) -> dict[str, Any]:
    return {"target": change.target, "recommended": change.recommended,
            "chosen": change.chosen, "delta": change.delta}


def active_availability_targets(ledger: SloLedger) -> dict[str, float]:
    """Every service's active availability target, for fleet-wide work."""
    return {s: float(r["availability_target_ratio"]) for s, r in ledger.all_active_slos().items()
            if r.get("availability_target_ratio") is not None}
