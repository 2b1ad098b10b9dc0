"""Services whose SLIs follow other conventions than `http_requests_total{code}`: the
fleet's settings, and a service's own `sli` metadata, say where its SLIs live. History is
written as the OpenTelemetry semantic conventions and the span-metrics connector name it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from slo_engine.runtime.processes import ServerProcess
from tests.conftest import settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import serving
from tests.prometheus_history import prometheus_holding

STEP_S, DAYS, PER_STEP = 300, 8, 100  # 1 request in 100 fails, all take 100-250 ms

SEMCONV = {"requests_metric": "http_server_request_duration_seconds_count",
           "duration_bucket_metric": "http_server_request_duration_seconds_bucket",
           "service_label": "service_name", "code_label": "http_response_status_code"}
SPAN_METRICS = {"requests_metric": "traces_span_metrics_calls_total",
                "duration_bucket_metric": "traces_span_metrics_duration_milliseconds_bucket",
                "duration_unit_seconds": 0.001, "service_label": "service_name",
                "code_label": "status_code", "error_code_regex": "STATUS_CODE_ERROR"}


def _histogram(name: str, labels: str, buckets: list[tuple[str, int]], stamps: list[int]
               ) -> list[str]:
    lines = []
    for k, stamp in enumerate(stamps, start=1):
        lines += [f'{name}_bucket{{{labels},le="{le}"}} {n * k} {stamp}' for le, n in buckets]
        total = buckets[-1][1] * k
        lines += [f"{name}_count{{{labels}}} {total} {stamp}",
                  f"{name}_sum{{{labels}}} {total * 0.2:.1f} {stamp}"]
    return lines


def write_conventions(path: Path, end_s: int) -> None:
    stamps = list(range(end_s - DAYS * 86_400, end_s + 1, STEP_S))
    ok, failed = PER_STEP - 1, 1
    lines = ["# TYPE http_server_request_duration_seconds histogram"]
    for code, n in (("200", ok), ("500", failed)):
        lines += _histogram("http_server_request_duration_seconds",
                            f'service_name="semconv",http_response_status_code="{code}"',
                            [("0.1", 0), ("0.25", n), ("+Inf", n)], stamps)
    lines.append("# TYPE traces_span_metrics_calls counter")
    for status, n in (("STATUS_CODE_UNSET", ok), ("STATUS_CODE_ERROR", failed)):
        lines += [f'traces_span_metrics_calls_total{{service_name="spans",status_code='
                  f'"{status}"}} {n * k} {stamp}' for k, stamp in enumerate(stamps, start=1)]
    lines.append("# TYPE traces_span_metrics_duration_milliseconds histogram")
    lines += _histogram("traces_span_metrics_duration_milliseconds", 'service_name="spans"',
                        [("100", 0), ("250", PER_STEP), ("+Inf", PER_STEP)], stamps)
    path.write_text("\n".join([*lines, "# EOF", ""]))


@pytest.fixture(scope="module")
def conventions_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("conventions")
    write_conventions(directory / "history.om", int(time.time()) // STEP_S * STEP_S)
    with prometheus_holding([directory / "history.om"], directory / "prometheus") as server:
        yield server


def _recommendation(client: TestClient, service_id: str) -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/v1/services/{service_id}/slo-recommendations",
                          params={"lookback_days": 7, "force_regenerate": True})
    assert response.status_code == 200, response.text
    return {r["sli_type"]: r for r in response.json()["recommendations"]}


def test_a_services_own_sli_metadata_points_at_semconv_and_span_metrics(
        falkordb_server: ServerProcess, redis_server: ServerProcess,
        conventions_prometheus: ServerProcess, tmp_path: Path,
        identity_provider: LocalIdentityProvider) -> None:
    nodes = [{"service_id": "semconv", "metadata": {"sli": SEMCONV}},
             {"service_id": "spans", "metadata": {"sli": SPAN_METRICS}}]
    settings = settings_for(falkordb_server, redis_server, tmp_path, conventions_prometheus,
                            identity_provider)
    with serving(settings, {"source": "manual", "nodes": nodes, "edges": []},
                 identity_provider) as client:
        for service_id in ("semconv", "spans"):
            by_type = _recommendation(client, service_id)
            assert by_type["availability"]["observed"] == 99.0
            # p99 interpolated inside the 100-250 ms bucket: 100 + 150 x 0.99 ms
            assert by_type["latency"]["observed_ms"]["p99"] == 249


def test_the_fleets_settings_name_the_conventions_every_service_follows(
        falkordb_server: ServerProcess, redis_server: ServerProcess,
        conventions_prometheus: ServerProcess, tmp_path: Path,
        identity_provider: LocalIdentityProvider) -> None:
    overrides = {f"sli_{name}": value for name, value in SEMCONV.items()}
    settings = settings_for(falkordb_server, redis_server, tmp_path, conventions_prometheus,
                            identity_provider, **overrides)
    with serving(settings, {"source": "manual", "nodes": [{"service_id": "semconv"}],
                            "edges": []}, identity_provider) as client:
        assert _recommendation(client, "semconv")["availability"]["observed"] == 99.0


@pytest.mark.parametrize(("override", "pointer"), [
    ({"requests_metric": "http requests"}, "/nodes/0/metadata/sli/requests_metric"),
    ({"extra_matchers": {"owner": "ops@example.com"}},
     "/nodes/0/metadata/sli/extra_matchers"),
    ({"code_lable": "code"}, "/nodes/0/metadata/sli/code_lable"),
])
def test_sli_overrides_are_checked_at_the_door(client: TestClient, override: dict[str, Any],
                                               pointer: str) -> None:
    response = client.post("/api/v1/services/dependencies", json={
        "source": "manual", "nodes": [{"service_id": "x", "metadata": {"sli": override}}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == pointer
