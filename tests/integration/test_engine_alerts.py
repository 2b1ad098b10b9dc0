"""The engine watching itself: its alert rules (TRD 11.2) pass `promtool check rules` and
their `promtool test rules` cases, the chart ships them and the engine's own dashboard
whole, and both read only metrics the engine exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from slo_engine.adapters.engine_metrics import EngineMetrics
from slo_engine.adapters.promtool import Promtool
from tests.integration.helm_chart import CHART, VALUE_SETS, one, render

FILES = CHART / "files"
GRAFANA_SCHEMA = (Path(__file__).resolve().parents[2] / "backend" / "slo_engine"
                  / "generators" / "schemas" / "grafana-dashboard-v1.schema.json")


@pytest.fixture(scope="module")
def promtool() -> Promtool:
    return Promtool()


def _files() -> dict[str, str]:
    return {name: (FILES / name).read_text(encoding="utf-8")
            for name in ("engine-alerts.yaml", "engine-alerts.test.yaml")}


def test_the_engine_alerts_pass_promtool_check_rules(promtool: Promtool) -> None:
    verdict = promtool.check_rules({"engine-alerts.yaml": _files()["engine-alerts.yaml"]})
    assert verdict.passed, verdict.output
    assert "SUCCESS: 6 rules found" in verdict.output


def test_the_engine_alerts_pass_their_promtool_unit_tests(promtool: Promtool) -> None:
    verdict = promtool.test_rules(_files(), ["engine-alerts.test.yaml"])
    assert verdict.passed, verdict.output
    assert "SUCCESS" in verdict.output


@pytest.mark.parametrize(("threshold", "raised"), [
    ("> 0.01", "> 0.1"), ("> 0.5", "> 5"), ("< 0.9 *", "< 0.5 *"), ("> 10\n", "> 20\n"),
    ("> 1800", "> 3600")])
def test_the_unit_tests_fail_when_a_threshold_is_loosened(
        promtool: Promtool, threshold: str, raised: str) -> None:
    """The cases have teeth: each alert's test fails once its threshold moves."""
    files = _files()
    assert threshold in files["engine-alerts.yaml"]
    files["engine-alerts.yaml"] = files["engine-alerts.yaml"].replace(threshold, raised)
    verdict = promtool.test_rules(files, ["engine-alerts.test.yaml"])
    assert not verdict.passed
    assert "FAILED" in verdict.output


def test_the_prometheusrule_holds_the_checked_rule_file_whole() -> None:
    rule = one(render(VALUE_SETS["monitoring"]), "PrometheusRule", "")
    checked = yaml.safe_load(_files()["engine-alerts.yaml"])
    assert rule["spec"] == {"groups": checked["groups"]}
    assert [r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]] == [
        "SloEngineHighErrorRate", "SloEngineHighLatency", "SloEngineGraphShrank",
        "SloEnginePrometheusQueryErrors", "SloEnginePrometheusQueriesSlow",
        "SloEngineAggregationSlow"]


def test_the_dashboard_configmap_holds_the_engine_dashboard_for_grafanas_sidecar() -> None:
    config = one(render(VALUE_SETS["monitoring"]), "ConfigMap", "-dashboard")
    dashboard = json.loads(config["data"]["slo-engine.json"])
    assert dashboard == json.loads((FILES / "engine-dashboard.json").read_text())
    assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config["metadata"]["annotations"] == {"grafana_folder": "SLO engine"}
    jsonschema.Draft202012Validator(json.loads(GRAFANA_SCHEMA.read_text())).validate(dashboard)
    assert (dashboard["uid"], dashboard["schemaVersion"], len(dashboard["panels"])) == (
        "slo-engine-self", 42, 9)


def _exported() -> set[str]:
    """Every series name the engine's registry exposes (counters with _total, histograms
    with _bucket, _sum and _count)."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"),
                "gauge": ("",)}
    return {f"{m.name}{suffix}" for m in EngineMetrics().registry.collect()
            for suffix in suffixes[m.type]}


def test_the_alerts_and_the_dashboard_read_only_metrics_the_engine_exports() -> None:
    text = _files()["engine-alerts.yaml"] + (FILES / "engine-dashboard.json").read_text()
    read = set(re.findall(r"\bslo_engine_[a-z_]+", text))
    assert read <= _exported()
    assert read == {  # every TRD 11.2 metric
        "slo_engine_http_requests_total", "slo_engine_http_request_duration_seconds_bucket",
        "slo_engine_recommendations_generated_total",
        "slo_engine_recommendations_accepted_total", "slo_engine_dependency_graph_nodes",
        "slo_engine_batch_aggregation_duration_seconds_bucket",
        "slo_engine_drift_detections_total",
        "slo_engine_prometheus_query_duration_seconds_bucket",
        "slo_engine_prometheus_query_errors_total"}
