"""The deploy what-if (issue 19 item 2) against a real Prometheus holding
tests/simulation_history.py: `deployed` fails 1% and is slower at the median after its
deploy at DEPLOY_AT (Monday 2024-01-08 00:00 UTC), and its generation gauge moves then."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.application.audit_events import append_engine_event
from slo_engine.runtime.bootstrap import Container
from tests.integration.simulation_engine import PATH, iso
from tests.simulation_history import DEPLOY_AT, END, WEEKS_START

AT = "2024-01-08T00:00:00Z"
BEFORE = {"start": iso(DEPLOY_AT - 7 * 86_400), "end": iso(DEPLOY_AT),
          "hours_with_traffic": 168, "requests": 201_600.0, "availability": 100.0,
          "error_ratio": 0.0}


def deploy(client: TestClient, marker: dict[str, Any], service_id: str = "deployed",
           window_days: int = 14) -> dict[str, Any]:
    response = client.post(PATH.format(service_id), json={
        "historical_window_days": window_days, "what_if": {"deploy": marker}})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()["what_if"]["deploy"]
    return answer


def test_a_steady_error_rise_after_a_deploy_is_a_significant_regression_in_words(
        simulation_client: TestClient) -> None:
    answer = deploy(simulation_client, {"at": AT})
    assert answer["marker"] == {"source": "timestamp", "at": iso(DEPLOY_AT), "series": None,
                                "audit_sequence": None, "changes_found": []}
    assert answer["history_window"] == {"start": iso(WEEKS_START), "end": iso(END)}
    before, after = answer["before"], answer["after"]
    assert {k: before[k] for k in BEFORE} == BEFORE
    assert (after["hours_with_traffic"], after["requests"], after["availability"],
            after["error_ratio"]) == (168, 201_600.0, 99.0, 1.0)
    assert answer["error_ratio_change"] == {"change": 1.0, "interval": [1.0, 1.0],
                                            "significant": True}
    median = answer["latency_change_ms"]["p50"]
    assert (before["latency_ms"]["p50"], after["latency_ms"]["p50"]) == (55.556, 100.0)
    assert median["significant"] is True
    assert median["change"] == pytest.approx(44.444, abs=1e-3)
    assert answer["latency_change_ms"]["p99"]["significant"] is False
    assert answer["block_hours"] == [24, 24]
    assert answer["recommendation"] == (
        f"After the deploy at {AT} availability fell from 100.000% to 99.000% (error ratio "
        "+1.000 pp, 95% interval +1.000 to +1.000 pp: significant); p99 latency 250 ms "
        "before and 250 ms after (95% interval +0 ms to +0 ms: not significant): the new "
        "version fails more; fix it or roll it back before approving a target above "
        "99.00%, and judge targets on the history since the deploy.")


def test_two_outages_after_a_deploy_against_one_before_are_not_significant(
        simulation_client: TestClient) -> None:
    """checkout fails 2,000 of 201,600 requests the week before Monday 2024-01-08 and
    3,500 the week after: whole days resampled, the interval holds 0."""
    answer = deploy(simulation_client, {"at": AT}, service_id="checkout")
    change = answer["error_ratio_change"]
    assert change["change"] == pytest.approx((3500 - 2000) / 201_600 * 100, abs=1e-4)
    assert change["interval"][0] < 0 < change["interval"][1]
    assert change["significant"] is False
    assert answer["recommendation"].endswith(
        "no significant change; the whole history can judge this service's targets.")


def test_the_marker_can_be_the_last_change_of_an_annotation_series(
        simulation_client: TestClient) -> None:
    answer = deploy(simulation_client, {"annotation": {
        "metric": "kube_deployment_status_observed_generation",
        "labels": {"deployment": "deployed"}}})
    marker = answer["marker"]
    assert marker["source"] == "annotation"
    assert marker["series"] == ('kube_deployment_status_observed_generation'
                                '{deployment="deployed"}')
    assert marker["at"] == iso(DEPLOY_AT - 150)  # the middle of the 5 minutes it moved in
    assert marker["changes_found"] == [iso(DEPLOY_AT - 150)]
    assert answer["error_ratio_change"]["significant"] is True
    assert answer["after"]["error_ratio"] == 1.0


def test_the_marker_can_be_a_drift_the_engine_recorded(
        simulation_client: TestClient, simulation_engine: Container) -> None:
    sequence = append_engine_event(simulation_engine.ledger, "deployed", "drift_triggered",
                                   {"rationale": "drift in error ratio"},
                                   (DEPLOY_AT + 3600) * 1000)
    for marker in ({"drift_event": "latest"}, {"drift_event": sequence}):
        answer = deploy(simulation_client, marker)
        assert answer["marker"]["source"] == "drift_event"
        assert answer["marker"]["at"] == iso(DEPLOY_AT + 3600)
        assert answer["marker"]["audit_sequence"] == sequence
        # the week before the drift holds its first hour after the deploy: 12 failures
        assert answer["before"]["error_ratio"] == pytest.approx(12 / 201_600 * 100, abs=1e-4)


@pytest.mark.parametrize(("marker", "window_days", "pointer", "message"), [
    ({"at": "2023-12-01T00:00:00Z"}, 14, "/what_if/deploy/at",
     "the history runs from 2024-01-01T00:00:00Z to 2024-01-15T00:00:00Z "
     "(historical_window_days=14); choose a marker inside it or widen the window"),
    ({"at": "2024-01-14T22:00:00Z"}, 14, "/what_if/deploy/at",
     "2 hours with traffic exist after it (2024-01-14T22:00:00Z to 2024-01-15T00:00:00Z); "
     "at least 24 are needed on each side"),
    ({"at": "2024-01-01T12:00:00Z"}, 20, "/what_if/deploy/at",
     "12 hours with traffic exist before it (2023-12-26T00:00:00Z to 2024-01-01T12:00:00Z); "
     "at least 24 are needed on each side"),
    ({"at": AT, "drift_event": "latest"}, 14, "/what_if/deploy/drift_event",
     "give one of at (a time), annotation (a series that changes at deploys) or "
     "drift_event; got 2"),
    ({"drift_event": 999_999}, 14, "/what_if/deploy/drift_event", None),
    ({"annotation": {"metric": "kube_deployment_status_observed_generation",
                     "labels": {"deployment": "nobody"}}}, 14, "/what_if/deploy/annotation",
     None),
    ({"at": "2024-01-08T00:00:00"}, 14, "/what_if/deploy/at", None),
])
def test_bad_markers_are_422_problems_naming_the_field_and_what_exists(
        simulation_client: TestClient, marker: dict[str, Any], window_days: int,
        pointer: str, message: str | None) -> None:
    response = simulation_client.post(PATH.format("deployed"), json={
        "historical_window_days": window_days, "what_if": {"deploy": marker}})
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["pointer"] == pointer
    if message is not None:
        assert error["message"] == message
