"""`bench artifacts` (issue 18, item 17): the rule files of a fleet of active SLOs generated
and checked by promtool as `slo-engine rules` does them (one recording and one alerting
file per team, one promtool invocation over all of them), and a 30-day dry run of one
SLO's alerts on 5-minute history in a real Prometheus.

Targets: generate_check_s <= 30 (the seed allows 60 s for one request), dry_run_p95_ms
<= 2000.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_range import PrometheusRangeQueries
from slo_engine.adapters.prometheus_samples import PrometheusRawSamples
from slo_engine.adapters.promtool import Promtool
from slo_engine.application.dry_run_alerts import DryRunAlerts, DryRunOptions, DryRunResult
from slo_engine.application.slo_rule_files import SloRuleFiles
from slo_engine.bench.simulated_history import backfill_simulated_history
from slo_engine.bench.stats import latency_summary_ms
from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.fleet.openmetrics import BUCKETS_SECONDS
from slo_engine.generators.alert_windows import AlertWindows
from slo_engine.generators.rule_formats import split_by_kind
from slo_engine.generators.rule_model import rule_file_text
from slo_engine.generators.rule_pipeline import generate_rules, rule_file_header
from slo_engine.generators.slo_spec import SloSpec, slo_specs
from slo_engine.policy.loader import load_alert_windows
from slo_engine.runtime.process_tuning import tune_garbage_collection
from slo_engine.runtime.processes import ServerProcess
from slo_engine.runtime.prometheus_server import start_prometheus

TARGET_GENERATE_CHECK_S = 30.0
TARGET_DRY_RUN_P95_MS = 2_000.0
DRY_RUN_SERVICE = "checkout"


def synthetic_slo(index: int, teams: int) -> tuple[str, list[SloSpec]]:
    """SLO `index` of the fleet: its team and SLIs. A third availability only, a third
    latency only (p99 at a bucket bound), a third both; every other one over 28 days."""
    service = f"svc-{index:05d}"
    slo: dict[str, Any] = {"service_id": service, "slo_id": f"slo-{index:05d}", "version": 1}
    if index % 3 != 1:
        slo["availability_target_ratio"] = (0.999, 0.995, 0.9995)[index % 3]
    if index % 3 != 0:
        slo["latency_targets_seconds"] = {"p99": (0.25, 0.5, 1.0)[index % 3]}
    team = f"team-{index % teams:02d}"
    return team, slo_specs(slo, team, SliDefinition(), 28 if index % 2 else 30,
                           BUCKETS_SECONDS)


def team_rule_files(slos: int, teams: int, windows: dict[int, AlertWindows]
                    ) -> tuple[dict[str, str], int]:
    """prometheus/rules/{recording,alerting}/<team>.yaml for the fleet, and its rule count."""
    by_team: dict[str, list[SloSpec]] = {}
    for index in range(slos):
        team, specs = synthetic_slo(index, teams)
        by_team.setdefault(team, []).extend(specs)
    files: dict[str, str] = {}
    rules = 0
    for team, specs in sorted(by_team.items()):
        generated = generate_rules(specs, windows)
        recording, alerting = split_by_kind(generated.groups)
        header = rule_file_header(specs)
        files[f"prometheus/rules/recording/{team}.yaml"] = rule_file_text(recording, header)
        files[f"prometheus/rules/alerting/{team}.yaml"] = rule_file_text(alerting, header)
        rules += sum(len(g.rules) for g in generated.groups)
    return files, rules


def bench_generate_check(slos: int, teams: int) -> dict[str, Any]:
    windows = load_alert_windows()
    started = time.perf_counter()
    files, rules = team_rule_files(slos, teams, windows)
    generated = time.perf_counter()
    verdict = Promtool(timeout_seconds=600).check_rules(files)
    checked = time.perf_counter()
    return {"slos": slos, "teams": teams, "rule_files": len(files), "rules": rules,
            "generate_s": round(generated - started, 2),
            "check_s": round(checked - generated, 2),
            "generate_check_s": round(checked - started, 2),
            "promtool_passed": verdict.passed,
            "promtool_output": "" if verdict.passed else verdict.output[-2000:]}


def _dry_run_specs() -> list[SloSpec]:
    """One SLO of the simulated service: 99.9% available, p99 under 500 ms, 30 days."""
    return slo_specs({"service_id": DRY_RUN_SERVICE, "slo_id": "slo-dry-run", "version": 1,
                      "availability_target_ratio": 0.999,
                      "latency_targets_seconds": {"p99": 0.5}},
                     "shop", SliDefinition(), 30, BUCKETS_SECONDS)


async def _timed_dry_runs(url: str, days: int, end_s: int, runs: int, interval_s: int
                          ) -> tuple[list[float], DryRunResult]:
    telemetry = PrometheusTelemetry(url, timeout_s=60.0, retry_delays_s=())
    # replay() is given its SLIs: it reads neither the ledger nor the graph.
    rule_files = SloRuleFiles(None, None, lambda _s: SliDefinition(),  # type: ignore[arg-type]
                              load_alert_windows(), None)
    options = DryRunOptions(days=days, interval_seconds=interval_s, deadline_seconds=120.0)
    dry_run = DryRunAlerts(rule_files, PrometheusRangeQueries(telemetry), _NoClock(), options,
                           samples=PrometheusRawSamples(telemetry))
    specs, seconds = _dry_run_specs(), []
    try:
        result = await dry_run.replay(specs, end_s - days * DAY_SECONDS, end_s)  # warm-up
        for _ in range(runs):
            started = time.perf_counter()
            result = await dry_run.replay(specs, end_s - days * DAY_SECONDS, end_s)
            seconds.append(time.perf_counter() - started)
    finally:
        await telemetry.close()
    return seconds, result


class _NoClock:
    """The benchmark gives the dry run its window; nothing asks the time."""

    def now_ms(self) -> int:
        raise AssertionError("the benchmark's dry run has an explicit window")


def _measured(prometheus: ServerProcess, days: int, end_s: int, runs: int, interval_s: int
              ) -> dict[str, Any]:
    cpu_before = _cpu_seconds(prometheus.process.pid)
    seconds, result = asyncio.run(_timed_dry_runs(prometheus.url, days, end_s, runs,
                                                  interval_s))
    cpu = (_cpu_seconds(prometheus.process.pid) - cpu_before) / (runs + 1)
    return {"interval_s": interval_s, "alerts": len(result.alerts),
            "method": str(result.method), "degraded_reason": result.reason,
            "episodes": {s.severity: s.episodes for s in result.severities},
            "prometheus_cpu_s_per_run": round(cpu, 2), "latency": latency_summary_ms(seconds)}


def bench_dry_run(days: int, runs: int, seed: int = 3) -> dict[str, Any]:
    """`days` of dry run over `days` + 3 of 5-minute history (the 3-day window full from
    the first evaluation), at the rule interval (the figure judged) and, to show what the
    cost follows, at the history's own step."""
    graph = {"nodes": [{"service_id": DRY_RUN_SERVICE}], "edges": []}
    with tempfile.TemporaryDirectory() as state:
        root = Path(state)
        history, timings = backfill_simulated_history(graph, days + 3, root, seed)
        prometheus = start_prometheus(root / "prometheus")
        try:
            end_s = history.start_s + (history.steps - 1) * history.step_s
            at_interval = _measured(prometheus, days, end_s, runs,
                                    DryRunOptions().interval_seconds)
            at_history_step = _measured(prometheus, days, end_s, runs, history.step_s)
        finally:
            prometheus.stop()
    return {"history_samples": timings["samples"], "backfill_s": timings["backfill_s"],
            "days": days, "history_step_s": history.step_s, **at_interval,
            "at_history_step": at_history_step}


def _cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used (Linux /proc): the dry run's cost in
    Prometheus, whatever else the machine runs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_artifacts(slos: int, teams: int, days: int, runs: int) -> dict[str, Any]:
    tune_garbage_collection()
    rules = bench_generate_check(slos, teams)
    dry_run = bench_dry_run(days, runs)
    p95 = dry_run["latency"]["p95_ms"]
    return {"benchmark": "artifacts", **rules, "dry_run": dry_run,
            "generate_check_s": rules["generate_check_s"], "dry_run_p95_ms": p95,
            "target_generate_check_s": TARGET_GENERATE_CHECK_S,
            "target_dry_run_p95_ms": TARGET_DRY_RUN_P95_MS,
            "meets_target": rules["promtool_passed"] and dry_run["method"] == "replay"
            and rules["generate_check_s"] <= TARGET_GENERATE_CHECK_S
            and p95 <= TARGET_DRY_RUN_P95_MS}
