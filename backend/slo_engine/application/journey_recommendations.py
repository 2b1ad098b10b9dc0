"""A journey's SLO tiers (issue 19 item 3), through the recommendations' own maths:

- from the composite: the correlated composite as the baseline of the cold-start rule
  (balanced at the composite, conservative twice its errors, aggressive half; each
  rounded down to 0.01%), as a service without history gets around its archetype;
- when the entry service has history, from its observed success: the entry's forecast
  of the next SLO period from its own history (recommend_slos.py,
  availability_forecast.py), its tiers capped by the journey's composite, in place of the
  entry's own dependency bound, unless the entry's history contradicts it (the same rule
  as the bound), each with its forecast breach probability;
- each step's share of the journey's budget: its Shapley share of the journey's
  unavailability (domain/journey.py) over the stated balanced tier's error budget.

The entry's history is read within the request deadline; when the metrics store is down
or slow the tiers come from the composite alone, flagged stale.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from slo_engine.application.journey_composite import JourneyComposite, JourneyComposites
from slo_engine.application.recommend_slos import RecommendSlos
from slo_engine.domain.errors import DependencyUnavailable, TelemetryQueryRejected
from slo_engine.domain.journey import step_failure_shares
from slo_engine.domain.recommendation import (
    AvailabilityRecommendation,
    archetype_availability,
    ordered_tiers,
    unachievable_warnings,
)
from slo_engine.domain.sli_statistics import error_budget_minutes, floor_target
from slo_engine.domain.slo import TIER_NAMES


@dataclass(frozen=True)
class JourneyTier:
    target_ratio: float
    error_budget_minutes: float
    breach_probability: float | None  # forecast for the next period; None: no history


@dataclass(frozen=True)
class ObservedTiers:
    """Tiers from the entry service's own history."""

    observed_ratio: float
    observed_interval: tuple[float, float] | None
    tiers: dict[str, JourneyTier]
    capped_by_composite: bool
    composite_contradicted: bool


@dataclass(frozen=True)
class StepShare:
    service_id: str
    unavailability_ratio: float  # its part of 1 - composite
    budget_share: float  # of the stated balanced tier's error budget


@dataclass
class JourneyRecommendation:
    composite: JourneyComposite
    period_days: int
    composite_tiers: dict[str, JourneyTier]
    observed: ObservedTiers | None
    steps: list[StepShare] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stale: bool = False
    stale_reason: str | None = None

    @property
    def balanced_ratio(self) -> float:
        """The stated balanced tier: the observed one when there is one."""
        tiers = self.observed.tiers if self.observed else self.composite_tiers
        return tiers["balanced"].target_ratio


class RecommendJourneySlos:
    def __init__(self, composites: JourneyComposites, recommend: RecommendSlos | None,
                 deadline_s: float, period_days: int) -> None:
        self._composites = composites
        self._recommend = recommend  # None: no metrics store configured
        self._deadline_s = deadline_s
        self._period_days = period_days

    async def recommend(self, journey_id: str, correlation: float | None = None,
                        seed: int | None = None) -> JourneyRecommendation:
        composite = await self._composites.composite(journey_id, correlation, seed)
        ratio = composite.correlated.availability_ratio
        result = JourneyRecommendation(composite, self._period_days,
                                       _composite_tiers(ratio), None,
                                       stale=composite.stale,
                                       stale_reason=composite.stale_reason)
        result.notes.extend(unachievable_warnings(
            {n: t.target_ratio for n, t in result.composite_tiers.items()},
            floor_target(ratio)))
        await self._observed(result, str(composite.journey["entry_service_id"]), ratio)
        result.steps = _step_shares(composite, result.balanced_ratio)
        return result

    async def _observed(self, result: JourneyRecommendation, entry: str,
                        composite_ratio: float) -> None:
        if self._recommend is None:
            result.notes.append("no metrics store is configured: tiers from the composite")
            return
        try:
            availability = await asyncio.wait_for(self._recommend.history_availability(
                entry, self._period_days), self._deadline_s)
        except (DependencyUnavailable, TelemetryQueryRejected, TimeoutError) as error:
            result.stale = True
            result.stale_reason = (f"the entry's history could not be read within "
                                   f"{self._deadline_s:g} s ({error or 'timed out'}): "
                                   "tiers from the composite only")
            return
        if availability is None or availability.forecast is None:
            result.notes.append(f"{entry} has no traffic history: tiers from the composite")
            return
        result.observed = _observed_tiers(availability, composite_ratio)


def _composite_tiers(composite_ratio: float) -> dict[str, JourneyTier]:
    baseline = archetype_availability(composite_ratio, composite_ratio)
    targets = {name: floor_target(t.target_ratio) for name, t in baseline.tiers.items()}
    return {name: JourneyTier(target, error_budget_minutes(target), None)
            for name, target in targets.items()}


def _observed_tiers(availability: AvailabilityRecommendation, composite_ratio: float
                    ) -> ObservedTiers:
    forecast = availability.forecast
    assert forecast is not None
    low = availability.observed_interval[0] if availability.observed_interval else None
    contradicted = low is not None and composite_ratio < low
    cap = None if contradicted else floor_target(composite_ratio)
    uncapped = {name: forecast.tiers[name].target_ratio for name in TIER_NAMES}
    targets = ordered_tiers(uncapped, cap)
    tiers = {name: JourneyTier(target, error_budget_minutes(target),
                               forecast.breach_probability_of(target))
             for name, target in targets.items()}
    return ObservedTiers(availability.observed_ratio, availability.observed_interval, tiers,
                         targets["balanced"] < uncapped["balanced"], contradicted)


def _step_shares(composite: JourneyComposite, balanced_ratio: float) -> list[StepShare]:
    steps = list(composite.journey["steps"])
    shares = step_failure_shares(steps, composite.needs, composite.own,
                                 composite.independent)
    budget = 1.0 - balanced_ratio
    return [StepShare(step, shares[step], shares[step] / budget if budget > 0 else 1.0)
            for step in steps]
