"""The recommendation policy as the use cases see it, parsed from its mapping (the YAML
file's contents; policy/loader.py reads the file)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slo_engine.domain.availability_forecast import ForecastPolicy
from slo_engine.domain.incident_history import IncidentDetection
from slo_engine.domain.slo import SLO_PERIOD_DAYS, TIER_NAMES


@dataclass(frozen=True)
class RecommendationPolicy:
    forecast: ForecastPolicy
    incident_detection: IncidentDetection
    slo_period_days: int
    forecast_history_days: int
    availability_window_days: float
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
    version: int = 0  # the file's own `version:`
    digest: str = ""  # SHA-256 of the file's text: which exact policy made a record

    @classmethod
    def from_mapping(cls, data: dict[str, Any], digest: str = "") -> RecommendationPolicy:
        availability, latency = data["availability"], data["latency"]
        margin, cold = latency["noise_margin"], data["cold_start"]
        staleness = data.get("staleness", {})
        return cls(
            forecast=_forecast_policy(availability),
            incident_detection=_incident_detection(availability["incident_detection"]),
            slo_period_days=_period_days(availability["period_days"]),
            forecast_history_days=int(availability["history_days"]),
            availability_window_days=float(availability["window_days"]),
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
            version=int(data.get("version", 0)),
            digest=digest,
        )


def _period_days(value: Any) -> int:
    if int(value) not in SLO_PERIOD_DAYS:
        raise ValueError(f"period_days must be one of {SLO_PERIOD_DAYS}, not {value}")
    return int(value)


def _forecast_policy(availability: dict[str, Any]) -> ForecastPolicy:
    probabilities = {tier: float(q) for tier, q in
                     availability["tier_breach_probabilities"].items()}
    if set(probabilities) != set(TIER_NAMES) or not all(0 < q < 1 for q in
                                                        probabilities.values()):
        raise ValueError(f"tier_breach_probabilities needs exactly the tiers {TIER_NAMES}, "
                         "each between 0 and 1")
    if not probabilities["conservative"] <= probabilities["balanced"] \
            <= probabilities["aggressive"]:
        raise ValueError("tier_breach_probabilities must grow from conservative to "
                         "aggressive")
    bootstrap = availability["bootstrap"]
    return ForecastPolicy(
        tier_breach_probabilities=probabilities,
        simulations=int(availability["simulations"]),
        bootstrap_replicates=int(bootstrap["replicates"]),
        bootstrap_simulations=int(bootstrap["simulations"]),
        bootstrap_block_days=int(bootstrap["block_days"]),
        confidence=float(bootstrap["confidence"]))


def _incident_detection(detection: dict[str, Any]) -> IncidentDetection:
    return IncidentDetection(detection_z=float(detection["z"]),
                             excess_factor=float(detection["excess_factor"]),
                             merge_gap_seconds=int(detection["merge_gap_seconds"]),
                             episode_gap_seconds=int(detection["episode_gap_seconds"]))
