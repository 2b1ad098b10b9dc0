"""Reads the recommendation policy shipped with the package (or a file given at start-up)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from slo_engine.domain.recommendation import AvailabilityTierRule


@dataclass(frozen=True)
class RecommendationPolicy:
    availability_rule: AvailabilityTierRule
    latency_percentiles: dict[str, float]
    latency_window_hours: int
    margin_min_ratio: float
    margin_max_ratio: float
    margin_saturation_throttled_ratio: float
    cold_start_min_days: int
    cold_start_lookback_days: int
    archetypes: dict[str, dict[str, float]]
    staleness_relative_change: float = 0.05
    staleness_error_ratio_floor: float = 0.0001

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> RecommendationPolicy:
        availability, latency = data["availability"], data["latency"]
        margin, cold = latency["noise_margin"], data["cold_start"]
        staleness = data.get("staleness", {})
        return cls(
            availability_rule=AvailabilityTierRule(
                error_multiplier=float(availability["lookback_error_multiplier"]),
                allowance_minutes={tier: float(minutes) for tier, minutes
                                   in availability["incident_allowance_minutes"].items()},
                window_days=float(availability["window_days"])),
            latency_percentiles=dict(latency["tier_percentiles"]),
            latency_window_hours=int(latency["window_hours"]),
            margin_min_ratio=float(margin["min"]),
            margin_max_ratio=float(margin["max"]),
            margin_saturation_throttled_ratio=float(margin["saturation_throttled_ratio"]),
            cold_start_min_days=int(cold["min_days"]),
            cold_start_lookback_days=int(cold["extended_lookback_days"]),
            archetypes={k: dict(v) for k, v in data["archetypes"].items()},
            staleness_relative_change=float(staleness.get("relative_change", 0.05)),
            staleness_error_ratio_floor=float(staleness.get("error_ratio_floor", 0.0001)),
        )


def load_policy(path: Path | None = None) -> RecommendationPolicy:
    text = (path.read_text() if path else resources.files("slo_engine.policy")
            .joinpath("recommendation-policy.yaml").read_text())
    return RecommendationPolicy.from_mapping(yaml.safe_load(text))
