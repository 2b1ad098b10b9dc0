"""Every benchmark and the evaluation run end to end at tiny sizes, so a broken one cannot
land: each prints one JSON object with its figures and its verdict. The figures at real
sizes are measured by hand (README); here only that they exist."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

VERDICT = "meets_target"
RUNS: dict[str, tuple[list[str], set[str]]] = {
    "ingest": (["bench", "ingest", "--services", "30", "--edges", "60", "--runs", "1"],
               {"ingest_s", "reingest_s", "scc_s", VERDICT}),
    "discovery": (["bench", "discovery", "--services", "30", "--edges", "60", "--runs", "2"],
                  {"graph_discovery_s", "graph_discovery_s_runs", "discovered_equals_simulated",
                   "sli_discovery_s", "sli_discovery_s_runs", "sli_top_ranked_is_written",
                   "meets_graph_discovery_target", "meets_sli_discovery_target", VERDICT}),
    "traverse": (["bench", "traverse", "--services", "30", "--edges", "60", "--samples", "3"],
                 {"downstream_3hop", "downstream_10hop", VERDICT}),
    "restart": (["bench", "restart", "--services", "30", "--edges", "60", "--runs", "1"],
                {"restart_to_first_query_s", "edges_after_restart", VERDICT}),
    "recommend": (["bench", "recommend", "--services", "5", "--days", "2", "--samples", "3"],
                  {"fresh", "cached", "warm_up_s", VERDICT}),
    "impact": (["bench", "impact", "--services", "30", "--edges", "60", "--samples", "3"],
               {"deep", VERDICT}),
    "drift": (["bench", "drift", "--shifted-services", "3", "--service-days", "3"],
              {"settings", VERDICT}),
    "frontier": (["bench", "frontier", "--months", "6", "--train-days", "7", "--services",
                  "5", "--oracle-months", "12"],
                 {"oracle_frontier", "in_sample_oracle_frontier",
                  "out_of_sample_oracle_frontier", VERDICT}),
    "frontier on the bursty generator": (
        ["bench", "frontier", "--months", "6", "--train-days", "7", "--services", "5",
         "--generator", "bursty", "--fleets", "2", "--oracle-months", "12"],
        {"oracle_frontier", "generator", "engine_forecast", "meets_calibration_target",
         VERDICT}),
    "fleet": (["bench", "fleet", "--services", "10", "--workers", "1", "--days", "1"],
              {"targets", VERDICT}),
    "simulate": (["bench", "simulate", "--days", "8", "--samples", "2", "--iterations", "50",
                  "--what-if-services", "60", "--what-if-edges", "200"],
                 {"simulate", "simulate_p95_ms", "what_if", "what_if_p95_ms", "journey_s",
                  VERDICT}),
    "load": (["bench", "load", "--users", "2", "--seconds", "2", "--services", "5", "--days",
              "1"], {"requests", "error_rate", "latency", "api_rss_mb", VERDICT}),
    "degraded": (["bench", "degraded", "--services", "4", "--days", "1", "--requests", "4",
                  "--deadline-s", "0.3"],
                 {"latency", "status_counts", "server_errors_other_than_503", VERDICT}),
    "artifacts": (["bench", "artifacts", "--slos", "12", "--teams", "3", "--days", "2",
                   "--runs", "2"],
                  {"generate_check_s", "dry_run_p95_ms", "rule_files", "dry_run", VERDICT}),
    "evaluate": (["evaluate", "--months", "1", "--train-days", "7", "--test-days", "7",
                  "--services", "5", "--generator", "bursty", "--fleets", "2",
                  "--oracle-months", "12"],
                 {"availability", "latency", "generator", "oracle_months",
                  "balanced_share_of_in_sample_oracle", "meets_breach_target",
                  "meets_calibration_target", "meets_efficiency_target"}),
}

# The types of some figures, where a benchmark's consumers read them.
TYPES: dict[str, dict[str, type]] = {
    "discovery": {"graph_discovery_s": float, "discovered_equals_simulated": bool,
                  "sli_discovery_s": float, "sli_top_ranked_is_written": bool,
                  VERDICT: bool},
    "artifacts": {"generate_check_s": float, "dry_run_p95_ms": float, "rule_files": int,
                  "promtool_passed": bool, "dry_run": dict, VERDICT: bool},
}


@pytest.mark.parametrize("name", RUNS)
def test_the_benchmark_runs_at_a_tiny_size_and_prints_its_figures(name: str) -> None:
    arguments, keys = RUNS[name]
    done = subprocess.run([sys.executable, "-m", "slo_engine.cli", *arguments, "--json"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert keys <= report.keys(), sorted(report)
    assert {k: type(report[k]) for k in TYPES.get(name, {})} == TYPES.get(name, {})
    assert report.get("benchmark", "evaluate") == name.split(maxsplit=1)[0]
