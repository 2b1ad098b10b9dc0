import pytest

from slo_engine.application.feature_attribution import (
    availability_attribution,
    latency_attribution,
)


def test_attributions_add_up_to_the_change_from_the_reference() -> None:
    rows = availability_attribution(0.0002, 0.0013, 0.997, 0.9989, baseline_ratio=0.999)
    target = min(1 - 0.0002 - 0.0013, 0.997 * 0.9989)
    assert sum(r.effect for r in rows) == pytest.approx(target - 0.999, abs=1e-12)
    assert sum(r.contribution for r in rows) == pytest.approx(1.0)
    assert rows[0].feature == "downstream_dependency_risk"
    assert all(r.effect <= 1e-15 for r in rows)


def test_steady_errors_and_the_incident_forecast_explain_a_target_no_dependency_limits(
        ) -> None:
    rows = {r.feature: r for r in availability_attribution(0.003, 0.002, 1.0, 1.0, 0.999)}
    # target 99.5% against the reference 99.9% (all of its 0.1% for incidents)
    assert rows["steady_errors"].effect == pytest.approx(-0.003)
    assert rows["incident_forecast"].effect == pytest.approx(-(0.002 - 0.001))
    assert rows["external_api_reliability"].effect == 0.0


def test_latency_effects_split_between_history_and_margin() -> None:
    rows = {r.feature: r for r in latency_attribution(0.8, 0.08, 0.5, 0.05)}
    total = 0.8 * 1.08 - 0.5 * 1.05
    assert rows["p99_latency_historical"].effect + rows["noisy_neighbor_margin"].effect == \
        pytest.approx(total)
    assert rows["p99_latency_historical"].effect > rows["noisy_neighbor_margin"].effect > 0


def test_a_service_exactly_at_the_reference_has_no_effects_to_attribute() -> None:
    rows = availability_attribution(0.0, 0.001, 1.0, 1.0, 0.999)
    assert {(a.feature, a.contribution, a.effect) for a in rows} == {
        ("steady_errors", 0.0, 0.0), ("incident_forecast", 0.0, 0.0),
        ("downstream_dependency_risk", 0.0, 0.0), ("external_api_reliability", 0.0, 0.0)}
