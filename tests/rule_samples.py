"""Sample SLOs that double as fixtures of the rule generators' golden files: each is the
input of one directory of tests/golden/rules/."""

from __future__ import annotations

from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.generators.promtool_tests import promtool_test_file
from slo_engine.generators.rule_model import yaml_text
from slo_engine.generators.rule_pipeline import RuleOptions, generate_rules, rule_file_header
from slo_engine.generators.slo_spec import SloSpec, slo_specs
from slo_engine.policy.loader import load_alert_windows

HISTOGRAM_BOUNDS_SECONDS = (0.05, 0.1, 0.25, 0.3, 0.5, 1.0, 2.5)

SAMPLES: dict[str, list[SloSpec]] = {
    # Availability 99.9% over 30 days, the common case.
    "checkout-availability-30d": slo_specs(
        {"service_id": "checkout", "slo_id": "5f0c7a52-0000-4000-8000-000000000001",
         "version": 2, "availability_target_ratio": 0.999}, "payments", SliDefinition(), 30,
        urls={"runbook_url": "https://runbooks.example.com/checkout",
              "dashboard_url": "https://grafana.example.com/d/slo-checkout"}),
    # Latency p99 under 300 ms over 28 days, a histogram in milliseconds.
    "search-latency-28d": slo_specs(
        {"service_id": "search", "slo_id": "5f0c7a52-0000-4000-8000-000000000002",
         "version": 1, "latency_targets_seconds": {"p99": 0.3}}, "discovery",
        SliDefinition(duration_bucket_metric="http_server_duration_milliseconds_bucket",
                      duration_unit_seconds=0.001), 28,
        tuple(b * 1.0 for b in HISTOGRAM_BOUNDS_SECONDS)),
    # A quiet internal tool at 99%, with OpenTelemetry's names and a status-code class.
    "quiet-admin-99": slo_specs(
        {"service_id": "admin-console", "slo_id": "5f0c7a52-0000-4000-8000-000000000003",
         "version": 7, "availability_target_ratio": 0.99,
         "latency_targets_seconds": {"p95": 0.25}}, None,
        SliDefinition(requests_metric="http_server_request_duration_seconds_count",
                      duration_bucket_metric="http_server_request_duration_seconds_bucket",
                      service_label="service_name", code_label="http_response_status_code",
                      extra_matchers={"deployment_environment": "prod"}), 30,
        HISTOGRAM_BOUNDS_SECONDS),
    # Names a hostile ingestion could bring: quotes, backslashes, template braces.
    "hostile-names": slo_specs(
        {"service_id": 'pay"ments\\api', "slo_id": "5f0c7a52-0000-4000-8000-000000000004",
         "version": 1, "availability_target_ratio": 0.9995}, 'team {{ .Evil }} "x"\nnext',
        SliDefinition(extra_matchers={"cluster": 'eu"west'}), 30),
}


def sample_files(name: str, options: RuleOptions | None = None) -> dict[str, str]:
    """Every generated file of a sample: the rule file of all its SLIs and its promtool
    test file."""
    windows = load_alert_windows()
    specs = SAMPLES[name]
    rules = generate_rules(specs, windows, options)
    return {"rules.yaml": rules.text(rule_file_header(specs)),
            "rules.test.yaml": yaml_text(promtool_test_file(
                [(s, windows[s.period_days]) for s in specs], ["rules.yaml"], options))}
