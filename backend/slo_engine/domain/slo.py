"""SLO targets and how a decision on a recommendation turns into the next SLO version.

Targets are ratios and seconds. Latency targets are keyed by percentile label ("p99",
"p999"), so a tier whose latency SLO is p99.9 keeps its percentile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

from slo_engine.domain.errors import InvalidInput

TIER_NAMES = ("conservative", "balanced", "aggressive")  # the one definition
Action = Literal["accept", "modify", "reject"]


class SloPeriodDays(IntEnum):
    """The SLO period lengths offered, in days (30 by default; 28 keeps whole weeks; 7 for
    a week's SLO): forecasts, priors and recommendations are kept per length."""

    WEEK = 7
    FOUR_WEEKS = 28
    MONTH = 30


SLO_PERIOD_DAYS = tuple(int(days) for days in SloPeriodDays)
LEGACY_PERIOD_DAYS = 30  # what a record stored before periods were kept means


def percentile_label(percentile: float) -> str:
    """0.95 -> 'p95', 0.99 -> 'p99', 0.999 -> 'p999', 0.5 -> 'p50'."""
    digits = f"{percentile:.6f}".rstrip("0")[2:]
    return "p" + (digits + "0" if len(digits) == 1 else digits)


@dataclass(frozen=True)
class SloTargets:
    availability_ratio: float | None = None
    latency_seconds: Mapping[str, float] = field(default_factory=dict)

    def overlaid_with(self, other: SloTargets) -> SloTargets:
        """Other's targets win; what other leaves out is kept (a latency-only decision
        keeps the availability target)."""
        availability = (other.availability_ratio if other.availability_ratio is not None
                        else self.availability_ratio)
        return SloTargets(availability, {**self.latency_seconds, **other.latency_seconds})

    @property
    def empty(self) -> bool:
        return self.availability_ratio is None and not self.latency_seconds

    def to_record(self) -> dict[str, Any]:
        return {"availability_ratio": self.availability_ratio,
                "latency_seconds": dict(sorted(self.latency_seconds.items()))}

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> SloTargets:
        record = record or {}
        return cls(record.get("availability_ratio"), dict(record.get("latency_seconds") or {}))


@dataclass(frozen=True)
class RecommendedTargets:
    """What a stored recommendation proposes, per tier."""

    availability_ratio: Mapping[str, float] = field(default_factory=dict)
    latency_seconds: Mapping[str, tuple[str, float]] = field(default_factory=dict)
    # The histogram's finite bucket bounds: where a bucket-based SLI can judge a target.
    latency_bucket_bounds_seconds: tuple[float, ...] = ()

    def for_tier(self, tier: str) -> SloTargets:
        latency = self.latency_seconds.get(tier)
        return SloTargets(self.availability_ratio.get(tier),
                          {latency[0]: latency[1]} if latency else {})

    def to_record(self) -> dict[str, Any]:
        return {"availability_ratio": dict(self.availability_ratio),
                "latency_seconds": {t: list(v) for t, v in self.latency_seconds.items()},
                "latency_bucket_bounds_seconds": list(self.latency_bucket_bounds_seconds)}

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> RecommendedTargets:
        record = record or {}
        latency = {t: (str(v[0]), float(v[1]))
                   for t, v in (record.get("latency_seconds") or {}).items()}
        return cls(dict(record.get("availability_ratio") or {}), latency,
                   tuple(float(b) for b in record.get("latency_bucket_bounds_seconds") or ()))


@dataclass(frozen=True)
class TargetChange:
    target: str  # "availability" or a latency percentile label
    recommended: float | None
    chosen: float

    @property
    def delta(self) -> float | None:
        return None if self.recommended is None else self.chosen - self.recommended


def next_targets(action: Action, recommended: SloTargets, modifications: SloTargets,
                 previous: SloTargets | None) -> tuple[SloTargets, list[TargetChange]]:
    """The targets of the new SLO version and what the decision changed from the
    recommendation. Accept takes the tier as it is; modify needs at least one change."""
    if action == "accept" and not modifications.empty:
        raise InvalidInput("An accept takes the recommended tier as it is.", [{
            "pointer": "/modifications",
            "message": "use action 'modify' to change targets, or leave modifications out"}])
    if action == "modify" and modifications.empty:
        raise InvalidInput("A modify needs the targets it changes.", [{
            "pointer": "/modifications",
            "message": "give availability_target and/or a latency_pNN_target_ms"}])
    chosen = recommended.overlaid_with(modifications)
    if chosen.empty:
        raise InvalidInput("The recommendation has no target for this tier.", [{
            "pointer": "/selected_tier", "message": "choose a tier the recommendation has"}])
    changes = _changes(recommended, modifications)
    return (previous or SloTargets()).overlaid_with(chosen), changes


def _changes(recommended: SloTargets, modifications: SloTargets) -> list[TargetChange]:
    changes = []
    if modifications.availability_ratio is not None:
        changes.append(TargetChange("availability", recommended.availability_ratio,
                                    modifications.availability_ratio))
    for label, seconds in sorted(modifications.latency_seconds.items()):
        changes.append(TargetChange(label, recommended.latency_seconds.get(label), seconds))
    return changes
