"""The fleet's files laid out for a GitOps repository: one rule file per team, checked by
promtool, whose written unit tests pass where they lie (on the in-memory graph)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from slo_engine.adapters.promtool import Promtool
from slo_engine.application.gitops_files import GitOpsFiles
from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.inhibit_rules import InhibitRules
from slo_engine.application.runbook_context import RunbookContexts
from slo_engine.application.slo_rule_files import SloRuleFiles
from slo_engine.domain.audit_chain import chained
from slo_engine.domain.model import DiscoverySource, Observation, ResolvedEdge, ServiceRecord
from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.policy.loader import load_alert_windows
from tests.fakes import TickingClock
from tests.fakes_graph import InMemoryGraphStore
from tests.fakes_graph_state import InMemoryGraph
from tests.fakes_ledger import InMemorySloLedger

NOW = 1_000_000
TEAMS = {"checkout": "Shop Team", "payment": "payments", "ledger": "payments",
         "weekly": "payments"}


def _layout() -> GitOpsFiles:
    graph = InMemoryGraph()
    store, ledger = InMemoryGraphStore(graph), InMemorySloLedger(graph)
    store.upsert_services([ServiceRecord(s, team=t) for s, t in TEAMS.items()], 0, 1)
    attrs = {"communication_mode": "sync", "criticality": "hard"}
    store.upsert_dependencies([ResolvedEdge(
        "checkout", "payment", attrs, ["manual"], 1.0, NOW, False,
        {DiscoverySource.MANUAL: Observation(attrs, NOW, 1.0)})], 2)
    for service, period in (("checkout", 30), ("payment", 30), ("ledger", 28),
                            ("weekly", 7)):
        sequence, head = ledger.audit_head()
        ledger.record_slo_version(service, None, None, "accepted", {
            "slo_id": f"slo-{service}", "service_id": service, "version": 1,
            "availability_target_ratio": 0.999, "period_days": period,
            "latency_targets_seconds": {"p99": 0.5} if service == "payment" else {},
            "latency_bucket_bounds_seconds": [0.1, 0.5, 1.0], "activated_at": 4},
            chained({"event_id": f"e-{service}", "action": "accept"}, sequence + 1, head), 4)
    snapshots = SnapshotHolder(store)
    windows = load_alert_windows()
    rule_files = SloRuleFiles(ledger, store, lambda _s: SliDefinition(), windows, Promtool())
    inhibit = InhibitRules(ledger, snapshots, TickingClock(NOW), 7 * 86_400_000, windows)
    return GitOpsFiles(rule_files, ledger, inhibit, RunbookContexts(ledger, snapshots))


def test_each_team_gets_its_recording_alerting_and_test_files() -> None:
    laid_out = _layout().lay_out()
    assert laid_out.checked
    runbooks = [p for p in laid_out.files if p.startswith("runbooks/slo-payment/")]
    assert runbooks == [f"runbooks/slo-payment/{sli}-{alert}.{kind}"
                        for sli in ("availability", "latency-p99")
                        for alert in ("page-burn", "ticket-burn", "absent-data")
                        for kind in ("md", "yaml")]
    assert "checkout" not in laid_out.files["runbooks/slo-payment/availability-page-burn.md"]
    assert "payment" in laid_out.files["runbooks/slo-checkout/availability-page-burn.md"]
    assert sorted(p for p in laid_out.files if not p.startswith("runbooks/")) == [
        "alertmanager/inhibit_rules.yaml",
        "grafana/dashboards/slo-checkout.json", "grafana/dashboards/slo-fleet.json",
        "grafana/dashboards/slo-ledger.json", "grafana/dashboards/slo-payment.json",
        "openslo/slo-checkout.yaml", "openslo/slo-ledger.yaml", "openslo/slo-payment.yaml",
        "prometheus/rules/alerting/payments.yaml", "prometheus/rules/alerting/shop-team.yaml",
        "prometheus/rules/recording/payments.yaml",
        "prometheus/rules/recording/shop-team.yaml",
        "prometheus/tests/payments.test.yaml", "prometheus/tests/shop-team.test.yaml",
        "sloth/slo-checkout.yaml", "sloth/slo-ledger.yaml", "sloth/slo-payment.yaml"]
    assert laid_out.warnings == ["weekly skipped: weekly-availability: no alert windows for "
                                 "a 7-day period (known: [28, 30] days)"]
    assert 'sloth_service=~"checkout"' in laid_out.files["alertmanager/inhibit_rules.yaml"]


def test_one_teams_files_only() -> None:
    files = _layout().lay_out("Shop Team", with_tests=False).files
    assert [p for p in files if p.startswith("prometheus/")] == [
        "prometheus/rules/recording/shop-team.yaml", "prometheus/rules/alerting/shop-team.yaml"]


@pytest.mark.parametrize("team", ["payments", "shop-team"])
def test_the_written_unit_tests_pass_where_they_lie(tmp_path: Path, team: str) -> None:
    for relative, text in _layout().lay_out().files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    done = subprocess.run(["promtool", "test", "rules", f"prometheus/tests/{team}.test.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
