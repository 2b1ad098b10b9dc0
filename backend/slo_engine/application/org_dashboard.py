"""Org dashboards (TRD FR-12): coverage, error-budget health and recommendation quality
for the whole fleet, each from one aggregate query (plus the cached fleet-wide observed
availability), so they stay cheap at 5,000 services."""

from __future__ import annotations

import statistics
from typing import Any

from slo_engine.application.decide_slo import active_availability_targets
from slo_engine.application.fleet_availability import FleetAvailability
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.ports import SloLedger
from slo_engine.domain.fleet_health import (
    budget_bucket,
    budget_consumed_ratio,
    decision_rates,
)

GROUPINGS = ("team", "criticality")


class OrgDashboard:
    def __init__(self, ledger: SloLedger, snapshots: SnapshotHolder,
                 fleet: FleetAvailability) -> None:
        self._ledger = ledger
        self._snapshots = snapshots
        self._fleet = fleet

    def coverage(self) -> dict[str, Any]:
        rows = self._ledger.slo_coverage()
        result: dict[str, Any] = _coverage_of(rows)
        for grouping in GROUPINGS:
            groups: dict[str, list[dict[str, Any]]] = {}
            for row in rows:
                groups.setdefault(str(row[grouping] or "unassigned"), []).append(row)
            result[f"by_{grouping}"] = {g: _coverage_of(r) for g, r in sorted(groups.items())}
        return result

    async def error_budget_health(self) -> dict[str, Any]:
        consumed, observed = await self._consumption()
        services = self._snapshots.current().services
        result: dict[str, Any] = {**_distribution(consumed), "stale": observed.stale,
                                  "stale_reason": observed.stale_reason}
        for grouping in GROUPINGS:
            groups: dict[str, dict[str, float]] = {}
            for service_id, value in consumed.items():
                name = str(services.get(service_id, {}).get(grouping) or "unassigned")
                groups.setdefault(name, {})[service_id] = value
            result[f"by_{grouping}"] = {g: _distribution(v) for g, v in sorted(groups.items())}
        result["most_consumed"] = [
            {"service_id": s, "budget_consumed": round(v, 4)}
            for s, v in sorted(consumed.items(), key=lambda kv: -kv[1])[:20]]
        return result

    async def recommendation_quality(self) -> dict[str, Any]:
        rows = self._ledger.decision_counts()
        consumed, observed = await self._consumption()
        services = self._snapshots.current().services
        result: dict[str, Any] = {**decision_rates((r["action"], r["events"]) for r in rows),
                                  **_breach_rate(consumed), "stale": observed.stale}
        for grouping in GROUPINGS:
            names = {str(r[grouping] or "unassigned") for r in rows} | {
                str(services.get(s, {}).get(grouping) or "unassigned") for s in consumed}
            result[f"by_{grouping}"] = {name: {
                **decision_rates((r["action"], r["events"]) for r in rows
                                 if str(r[grouping] or "unassigned") == name),
                **_breach_rate({s: v for s, v in consumed.items() if str(
                    services.get(s, {}).get(grouping) or "unassigned") == name})}
                for name in sorted(names)}
        return result

    async def _consumption(self) -> tuple[dict[str, float], Any]:
        """Budget consumed over the last 30 days by every service with an availability SLO."""
        targets = active_availability_targets(self._ledger)
        observed = await self._fleet.observed(set(targets))
        consumed = {s: budget_consumed_ratio(observed.ratios[s], t)
                    for s, t in targets.items() if s in observed.ratios}
        return consumed, observed


def _coverage_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    services = sum(int(r["services"]) for r in rows)
    with_slo = sum(int(r["with_slo"]) for r in rows)
    return {"services": services, "with_slo": with_slo,
            "coverage": round(with_slo / services, 4) if services else 0.0}


def _distribution(consumed: dict[str, float]) -> dict[str, Any]:
    buckets: dict[str, int] = {}
    for value in consumed.values():
        bucket = budget_bucket(value)
        buckets[bucket] = buckets.get(bucket, 0) + 1
    values = list(consumed.values())
    return {"services_measured": len(values), "buckets": buckets,
            "median_budget_consumed": round(statistics.median(values), 4) if values else None}


def _breach_rate(consumed: dict[str, float]) -> dict[str, Any]:
    breached = sum(1 for v in consumed.values() if v > 1.0)
    return {"slos_measured": len(consumed), "slos_breached": breached,
            "breach_rate": round(breached / len(consumed), 4) if consumed else None}
