"""AC-009 over a real Prometheus: a deployment makes `api`'s p99 latency 20% higher; the
15-minute drift sweeps (jobs API, inline job mode) confirm it within 30 minutes, mark the
recommendation stale, append `drift_triggered` to the audit chain, regenerate, and POST a
signed webhook to a real receiver. `web`, just as noisy but unchanged, never drifts.

History: 29 hours scraped every 30 s. Each minute, both services serve 10 requests/s with
0.1% failing, and their latencies are lognormal with a median that wobbles from minute to
minute (and a daily rhythm); the histogram has fine buckets so p99 follows the median.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from slo_engine.domain.webhook_signature import verify
from slo_engine.fleet.lognormal import lognormal_cdf
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess, free_port
from tests.conftest import SettableClock, settings_for
from tests.identity_provider import LocalIdentityProvider
from tests.integration.api_helpers import admin_client, graph, ingest
from tests.prometheus_history import prometheus_holding

SCRAPE_S = 30
SHIFT = int(time.time()) // 3600 * 3600 - 2 * 3600  # the deployment, on a minute
START = SHIFT - 27 * 3600  # a day and the two and a half hours a sweep looks back
END = SHIFT + 2 * 3600
RATE = 10.0
BOUNDS = [round(0.05 * 1.08 ** k, 4) for k in range(60)]  # 50 ms .. ~4.7 s
SECRET = "drift-test-secret"


def _medians(service: str, minutes: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(len(service))
    daily = 1 + 0.2 * np.sin(2 * np.pi * minutes / 1440)
    medians = 0.1 * daily * rng.lognormal(0, 0.03, len(minutes))
    if service == "api":
        medians[minutes * 60 + START >= SHIFT] *= 1.2
    return medians


def write_history(path: Path) -> None:
    minutes = np.arange((END - START) // 60)
    lines = ["# TYPE http_requests counter", "# TYPE http_request_duration_seconds histogram"]
    per_scrape = RATE * SCRAPE_S
    for service in ("api", "web"):
        medians = _medians(service, minutes)
        shares = np.array([lognormal_cdf(b, medians, 0.5) for b in BOUNDS])  # (bucket, min)
        cumulative = np.zeros(len(BOUNDS) + 1)
        requests = 0.0
        for t in range(START, END + 1, SCRAPE_S):
            minute = min((t - START) // 60, len(minutes) - 1)
            requests += per_scrape
            cumulative[:-1] += per_scrape * shares[:, minute]
            cumulative[-1] += per_scrape
            lines += [f'http_requests_total{{service="{service}",code="200"}} '
                      f"{requests * 0.999:.3f} {t}",
                      f'http_requests_total{{service="{service}",code="500"}} '
                      f"{requests * 0.001:.3f} {t}"]
            lines += [f'http_request_duration_seconds_bucket{{service="{service}",le="{le}"}} '
                      f"{count:.3f} {t}"
                      for le, count in zip([*map(str, BOUNDS), "+Inf"], cumulative, strict=True)]
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n")


class WebhookReceiver(http.server.ThreadingHTTPServer):
    """Records every POST; answers `statuses` in turn, then 204."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), _Handler)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/slo"


class _Handler(http.server.BaseHTTPRequestHandler):
    server: WebhookReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        self.send_response(self.server.statuses.pop(0) if self.server.statuses else 204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture(scope="module")
def shifted_prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("drift")
    write_history(directory / "history.om")
    with prometheus_holding([directory / "history.om"], directory / "data") as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def api(falkordb_server: ServerProcess, redis_server: ServerProcess,
        shifted_prometheus: ServerProcess, receiver: WebhookReceiver, tmp_path: Path,
        clock: SettableClock, identity_provider: LocalIdentityProvider
        ) -> Iterator[tuple[TestClient, Container]]:
    clock.now = (SHIFT - 900) * 1000
    settings = settings_for(falkordb_server, redis_server, tmp_path, shifted_prometheus,
                            identity_provider, notification_webhook_url=receiver.url,
                            notification_webhook_secret=SECRET)
    container = bootstrap(settings, clock)
    container.redis.delete(*container.redis.keys("slo-engine:drift-cooldown:*") or ["none"])
    with admin_client(container, identity_provider) as client:
        ingest(client, graph("manual", [("web", "api")], nodes=[
            {"service_id": "api", "metadata": {"team": "payments"}}]))
        yield client, container
    container.close()


def sweep(client: TestClient, clock: SettableClock, at_s: int) -> dict[str, Any]:
    clock.now = at_s * 1000
    started = client.post("/api/v1/jobs", json={"kind": "detect_drift"})
    assert started.status_code == 202, started.text
    planned = client.get(started.json()["status_url"]).json()
    assert planned["status"] == "finished", planned
    chunks = client.get(f"/api/v1/jobs/{planned['result']['sweep_job_id']}").json()
    assert chunks["status"] == "finished", chunks
    result: dict[str, Any] = chunks["result"]
    return result


def test_a_twenty_percent_p99_shift_is_confirmed_within_30_minutes_and_acted_on(
        api: tuple[TestClient, Container], clock: SettableClock,
        receiver: WebhookReceiver) -> None:
    client, container = api
    before = client.get("/api/v1/services/api/slo-recommendations").json()
    quiet = sweep(client, clock, SHIFT)  # the sweep just before the first shifted minute
    assert (quiet["services_with_data"], quiet["confirmed"], quiet["drifts"]) == (2, 0, {})
    confirmed_at, result = None, {}
    for at in (SHIFT + 900, SHIFT + 1800):
        result = sweep(client, clock, at)
        if result["drifts"]:
            confirmed_at = at
            break
    assert confirmed_at is not None, result
    assert list(result["drifts"]) == ["api"]  # web is as noisy but did not change
    drift = result["drifts"]["api"]
    assert drift["reason"].startswith("drift in p99 latency (")
    assert drift["recommendation_marked_stale"] is True
    # the audit chain holds it, and still verifies
    events = container.ledger.service_audit_events("api", 10)
    assert events[0].content["action"] == "notification_delivered"
    assert events[1].content["action"] == "drift_triggered"
    assert events[1].content["rationale"] == drift["reason"]
    assert client.get("/api/v1/audit/verify").json()["valid"] is True
    # the regeneration ran, so the next read is a new recommendation
    regeneration = client.get(f"/api/v1/jobs/{result['regeneration_job_id']}").json()
    assert regeneration["progress"] == {"done": 1, "total": 1, "failed": 0}
    after = client.get("/api/v1/services/api/slo-recommendations").json()
    assert after["recommendation_id"] != before["recommendation_id"]
    # the owning team got one signed webhook
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert verify(SECRET, int(headers["X-SLO-Engine-Timestamp"]), body,
                  headers["X-SLO-Engine-Signature"])
    assert b'"team":"payments"' in body
    assert b'"event":"drift_triggered"' in body
    assert b"slo_engine_drift_detections_total" in container.metrics.exposition()
    # the next sweep still sees the shift in its window, but the cooldown holds
    later = sweep(client, clock, confirmed_at + 900)
    assert later["drifts"] == {}
    assert later["in_cooldown"] in ([], ["api"])


def test_a_receiver_that_keeps_failing_is_recorded_as_given_up(
        api: tuple[TestClient, Container], clock: SettableClock,
        receiver: WebhookReceiver) -> None:
    client, container = api
    receiver.statuses = [503]  # inline jobs make one attempt: it is the last
    result = {}
    for at in (SHIFT + 900, SHIFT + 1800):
        result = sweep(client, clock, at)
        if result["drifts"]:
            break
    notification = client.get(
        f"/api/v1/jobs/{result['drifts']['api']['notification_job_id']}").json()
    assert notification["result"]["delivered"] is False
    assert notification["result"]["http_status"] == 503
    last = container.ledger.service_audit_events("api", 1)[0].content
    assert (last["action"], last["http_status"], last["attempts"]) == (
        "notification_failed", 503, 1)
