"""Generated artifacts loaded by the servers they are for: the golden rule files into a
Prometheus (rule files and a reload: every group healthy), and generated inhibit rules
into an Alertmanager that then holds back a caller's page while its dependency pages."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from slo_engine.adapters.amtool import MINIMAL_ROUTING, Amtool
from slo_engine.generators.alert_rules import BURN_ALERT
from slo_engine.generators.inhibit_rules import inhibit_rules_file
from slo_engine.runtime.child_process import spawn
from slo_engine.runtime.processes import ServerProcess, free_port
from slo_engine.runtime.prometheus_server import binary, start_prometheus
from tests.golden import GOLDEN
from tests.rule_samples import SAMPLES


def _until(check: Any, timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def test_every_golden_rule_group_loads_into_prometheus_healthy(tmp_path: Path) -> None:
    server = start_prometheus(tmp_path / "prometheus")
    try:
        rules = tmp_path / "rules"
        rules.mkdir()
        for name in SAMPLES:
            (rules / f"{name}.yaml").write_text((GOLDEN / "rules" / name / "rules.yaml")
                                                .read_text())
        config = server.data_dir / "prometheus.yml"
        config.write_text(f"global:\n  scrape_interval: 1m\n  evaluation_interval: 1s\n"
                          f"rule_files:\n  - {rules}/*.yaml\n")
        assert httpx.post(f"{server.url}/-/reload", timeout=10).status_code == 200
        expected = {g["name"] for p in rules.glob("*.yaml")
                    for g in yaml.safe_load(p.read_text())["groups"]}

        def evaluated() -> list[dict[str, Any]] | None:
            """Every group loaded, no rule in error, every rule of the groups on the
            global interval evaluated (a period group runs every 5 minutes, so its first
            evaluation may lie minutes ahead)."""
            groups = httpx.get(f"{server.url}/api/v1/rules", timeout=5).json()["data"]["groups"]
            frequent = [r for g in groups if g["interval"] < 300 for r in g["rules"]]
            if {g["name"] for g in groups} == expected and all(
                    r["health"] == "ok" for r in frequent) and not any(
                    r["health"] == "err" for g in groups for r in g["rules"]):
                return list(groups)
            return None

        groups = _until(evaluated)
        assert groups is not None, "not every group was loaded and evaluated healthy"
        assert len(groups) == len(expected) == 20
        assert {g["interval"] for g in groups} == {1, 300}
    finally:
        server.stop()


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[ServerProcess]:
    fragment = inhibit_rules_file([("checkout", "payment")], ["page", "ticket"], 3)
    config = tmp_path / "alertmanager.yml"
    config.write_text(yaml.safe_dump({**MINIMAL_ROUTING, **yaml.safe_load(fragment)}))
    assert Amtool().check_inhibit_rules(fragment).passed
    port = free_port()
    log = (tmp_path / "alertmanager.log").open("wb")
    process = spawn([binary("prometheus-alertmanager"), f"--config.file={config}",
                     f"--storage.path={tmp_path / 'data'}",
                     f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True)
    server = ServerProcess("alertmanager", process, port, tmp_path, scheme="http")

    def ready() -> bool:
        try:
            return httpx.get(f"{server.url}/-/ready", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    assert _until(ready), (tmp_path / "alertmanager.log").read_text()[-2000:]
    yield server
    server.stop()


def _alert(service: str, severity: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"labels": {"alertname": BURN_ALERT, "severity": severity,
                       "sloth_service": service, "sloth_slo": "availability"},
            "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat()}


def test_a_dependencys_page_holds_back_its_callers_page(alertmanager: ServerProcess) -> None:
    alerts = [_alert("payment", "page"), _alert("checkout", "page"),
              _alert("checkout", "ticket"), _alert("search", "page")]
    assert httpx.post(f"{alertmanager.url}/api/v2/alerts", json=alerts,
                      timeout=5).status_code == 200

    def states() -> dict[tuple[str, str], str] | None:
        found = httpx.get(f"{alertmanager.url}/api/v2/alerts", timeout=5).json()
        seen = {(a["labels"]["sloth_service"], a["labels"]["severity"]): a["status"]["state"]
                for a in found}
        return seen if len(seen) == 4 and "unprocessed" not in seen.values() else None

    assert _until(states) == {("payment", "page"): "active",
                              ("checkout", "page"): "suppressed",
                              ("checkout", "ticket"): "active",
                              ("search", "page"): "active"}
