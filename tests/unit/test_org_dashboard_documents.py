"""The org dashboards' documents, whole, against golden files (`pytest --update-golden`
rewrites them): coverage, error-budget health and recommendation quality of a small fleet
on the in-memory stores."""

from __future__ import annotations

from pathlib import Path

from slo_engine.api.dashboard_schemas import Coverage, ErrorBudgetHealth, RecommendationQuality
from slo_engine.application.decide_slo import DecisionAction, SloDecision
from slo_engine.application.fleet_availability import FleetAvailability
from slo_engine.application.org_dashboard import OrgDashboard
from slo_engine.domain.model import ServiceCriticality, ServiceRecord
from slo_engine.domain.slo import SloTargets
from tests.fakes_telemetry import InMemoryTelemetry
from tests.fakes_world import FakeWorld, availability_targets, steady_series
from tests.golden import Golden

# service -> (team, criticality, requests and failures a 15-minute step)
FLEET = {"checkout": ("shop", ServiceCriticality.CRITICAL, 1_000.0, 1.0),
         "cart": ("shop", ServiceCriticality.HIGH, 1_000.0, 4.0),
         "payment": ("payments", ServiceCriticality.CRITICAL, 2_000.0, 0.5),
         "ledger": ("payments", ServiceCriticality.LOW, 500.0, 0.0),
         "search": (None, ServiceCriticality.LOW, 800.0, 8.0)}


def _dashboard() -> OrgDashboard:
    world = FakeWorld()
    world.add_services(*(ServiceRecord(s, team=t, criticality=c)
                         for s, (t, c, _, _) in FLEET.items()))
    decide = world.decisions()
    targets = availability_targets(0.995, 0.999, 0.9995)
    decisions: tuple[tuple[str, DecisionAction], ...] = (
        ("checkout", "accept"), ("cart", "modify"), ("payment", "accept"), ("search", "reject"))
    for service, action in decisions:
        rec = world.recommendation(service, targets)
        modifications = SloTargets(0.998) if action == "modify" else SloTargets()
        decide.decide(service, SloDecision(rec, action, "jane", "balanced", modifications,
                                           "why" if action == "reject" else None))
    telemetry = InMemoryTelemetry({s: steady_series(r, f, 30)
                                   for s, (_, _, r, f) in FLEET.items()})
    return OrgDashboard(world.ledger, world.snapshots, FleetAvailability(telemetry,
                                                                         world.clock))


async def test_the_dashboard_documents_are_their_golden_files(golden: Golden) -> None:
    dashboard = _dashboard()
    coverage = dashboard.coverage()
    health = await dashboard.error_budget_health()
    quality = await dashboard.recommendation_quality()
    Coverage.model_validate(coverage)
    ErrorBudgetHealth.model_validate(health)
    RecommendationQuality.model_validate(quality)
    for name, document in (("coverage", coverage), ("error-budget-health", health),
                           ("recommendation-quality", quality)):
        golden.check_json(Path("dashboards-org") / f"{name}.json", document)


async def test_budget_consumed_is_observed_errors_over_the_slo_budget() -> None:
    health = await _dashboard().error_budget_health()
    consumed = {row["service_id"]: row["budget_consumed"] for row in health["most_consumed"]}
    # cart: 0.4% errors against a 0.2% budget; checkout 0.1% of 0.1%; payment 0.025% of 0.1%
    assert consumed == {"cart": 2.0, "checkout": 1.0, "payment": 0.25}
