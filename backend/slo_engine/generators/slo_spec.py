"""What a generator is given: one SLI of one SLO version, and where its counters live."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from slo_engine.domain.sli_definition import SliDefinition

SliKind = Literal["availability", "latency"]


@dataclass(frozen=True)
class LatencyObjective:
    percentile_label: str  # "p99"
    threshold_seconds: float
    # The histogram's finite bucket bounds in seconds, ascending, when known (from the
    # recommendation that proposed the target); None: the threshold is assumed a bound.
    bucket_bounds_seconds: tuple[float, ...] | None = None


@dataclass(frozen=True)
class SloSpec:
    """One SLI of an SLO version: an availability objective, or a latency objective (the
    share of requests at or under the threshold)."""

    service_id: str
    slo_id: str  # the version's id
    version: int
    kind: SliKind
    objective_ratio: float
    period_days: int
    metrics: SliDefinition
    team: str | None = None
    latency: LatencyObjective | None = None
    runbook_url: str | None = None
    dashboard_url: str | None = None

    @property
    def sli_name(self) -> str:
        """'availability' or 'latency-p99': unique per SLI of a service."""
        return self.kind if self.latency is None else f"latency-{self.latency.percentile_label}"

    @property
    def rule_id(self) -> str:
        """Stable across versions, so dashboards keep their series: service and SLI."""
        return f"{self.service_id}-{self.sli_name}"

    @property
    def error_budget_ratio(self) -> float:
        return round(1.0 - self.objective_ratio, 12)


def latency_objective_ratio(percentile_label: str) -> float:
    """'p99' -> 0.99, 'p999' -> 0.999, 'p95' -> 0.95: the share of requests that must be
    at or under the threshold."""
    digits = percentile_label.removeprefix("p")
    if not digits.isdigit():
        raise ValueError(f"'{percentile_label}' is not a percentile label such as p99")
    return float(f"0.{digits}")


def slo_specs(slo: Mapping[str, Any], team: str | None, metrics: SliDefinition,
              period_days: int, bucket_bounds_seconds: tuple[float, ...] | None = None,
              urls: Mapping[str, str] | None = None) -> list[SloSpec]:
    """The SLIs of a stored SLO version (`availability_target_ratio`,
    `latency_targets_seconds`): availability first, then latency by percentile."""
    common: dict[str, Any] = {
        "service_id": slo["service_id"], "slo_id": slo["slo_id"],
        "version": int(slo["version"]), "period_days": period_days, "metrics": metrics,
        "team": team, **(urls or {})}
    specs = []
    if slo.get("availability_target_ratio") is not None:
        specs.append(SloSpec(kind="availability",
                             objective_ratio=float(slo["availability_target_ratio"]), **common))
    for label, seconds in sorted((slo.get("latency_targets_seconds") or {}).items()):
        specs.append(SloSpec(kind="latency", objective_ratio=latency_objective_ratio(label),
                             latency=LatencyObjective(label, float(seconds),
                                                      bucket_bounds_seconds), **common))
    return specs
