"""The dry run's evaluation from raw samples against Prometheus's own evaluation of the
expanded expressions, on a realistic history: 33 days of one simulated service
(fleet/simulation.py, as `bench artifacts` backfills it) in a real Prometheus, compared
at every minute of two days that hold its pages (28 minutes of them). Every window's error
ratio must be the same float, and every alert must return a series at the same minutes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest

from slo_engine.adapters.prometheus import PrometheusTelemetry
from slo_engine.adapters.prometheus_range import PrometheusRangeQueries
from slo_engine.adapters.prometheus_samples import PrometheusRawSamples
from slo_engine.application.sampled_replay import SampledReplay, longest_window_seconds
from slo_engine.domain.burn_evaluation import SliCounters, error_ratio
from slo_engine.domain.promql_text import duration
from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.fleet.openmetrics import BUCKETS_SECONDS, write_openmetrics
from slo_engine.fleet.simulation import simulate_fleet
from slo_engine.generators.alert_expansion import expanded_alerts
from slo_engine.generators.rule_model import RecordingRule
from slo_engine.generators.rule_pipeline import generate_rules
from slo_engine.generators.slo_spec import SloSpec, slo_specs
from slo_engine.policy.loader import load_alert_windows
from slo_engine.runtime.processes import ServerProcess
from tests.prometheus_history import prometheus_holding

END = 1_770_681_600  # 2026-02-10T00:00:00Z: the history's last sample
START = 1_768_550_400  # the two days compared
STOP = START + 2 * 86_400
MINUTE = 60
SPECS = slo_specs({"service_id": "checkout", "slo_id": "slo-dry-run", "version": 1,
                   "availability_target_ratio": 0.999, "latency_targets_seconds": {"p99": 0.5}},
                  "shop", SliDefinition(), 30, BUCKETS_SECONDS)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory: Path = tmp_path_factory.mktemp("simulated")
    history = simulate_fleet({"nodes": [{"service_id": "checkout"}], "edges": []}, 33, END,
                             seed=3)
    write_openmetrics(history, directory / "fleet.om")
    with prometheus_holding([directory / "fleet.om"], directory / "data") as server:
        yield server


@pytest.fixture
async def telemetry(simulated: ServerProcess) -> AsyncIterator[PrometheusTelemetry]:
    client = PrometheusTelemetry(simulated.url, timeout_s=60.0, retry_delays_s=())
    yield client
    await client.close()


async def _counters(telemetry: PrometheusTelemetry, spec: SloSpec) -> SliCounters:
    reach = longest_window_seconds(load_alert_windows()[spec.period_days], 300)
    return await SampledReplay(PrometheusRawSamples(telemetry), 20, 300).counters(
        spec, START - reach, STOP)


def _window_ratios(spec: SloSpec) -> dict[int, str]:
    """Each alert window's recorded error ratio: window seconds -> its expression."""
    groups = generate_rules([spec], load_alert_windows()).groups
    pairs = [p for s in load_alert_windows()[spec.period_days].severities for p in s.pairs]
    windows = {p.long_seconds for p in pairs} | {p.short_seconds for p in pairs}
    rules = [r for g in groups for r in g.rules if isinstance(r, RecordingRule)]
    return {w: next(r.expr for r in rules if r.labels.get("sloth_window") == duration(w))
            for w in sorted(windows)}


@pytest.mark.parametrize("spec", SPECS, ids=[s.sli_name for s in SPECS])
async def test_every_windows_error_ratio_is_the_same_float_at_every_minute(
        telemetry: PrometheusTelemetry, spec: SloSpec) -> None:
    counters = await _counters(telemetry, spec)
    queries = PrometheusRangeQueries(telemetry)
    at_ms = np.arange(START, STOP + 1, MINUTE, dtype=np.int64) * 1000
    differing = {}
    for window, expr in _window_ratios(spec).items():
        _, prometheus = await queries.range_values(expr, START, STOP, MINUTE)
        ours = error_ratio(counters, at_ms, window)
        differing[window] = int(np.sum(~((prometheus == ours)
                                         | (np.isnan(prometheus) & np.isnan(ours)))))
    assert differing == dict.fromkeys(_window_ratios(spec), 0)
    assert len(differing) == 7


@pytest.mark.parametrize("spec", SPECS, ids=[s.sli_name for s in SPECS])
async def test_every_alert_returns_a_series_at_the_same_minutes_as_in_prometheus(
        telemetry: PrometheusTelemetry, spec: SloSpec) -> None:
    windows = load_alert_windows()[spec.period_days]
    alerts = expanded_alerts(generate_rules([spec], load_alert_windows()).groups)
    counters = await _counters(telemetry, spec)
    ours = SampledReplay(PrometheusRawSamples(telemetry), 20, 300).firing(
        counters, spec, windows, alerts, lambda _a: MINUTE, (START, STOP))
    queries = PrometheusRangeQueries(telemetry)
    compared = []
    for alert, (stamps, active) in zip(alerts, ours, strict=True):
        prometheus_stamps, values = await queries.range_values(alert.expr, START, STOP, MINUTE)
        assert stamps.tolist() == prometheus_stamps.tolist()
        compared.append((alert.alert, alert.severity, int(active.sum()),
                         int(np.sum(active != ~np.isnan(values)))))
    expected_minutes = {"availability": [28, 0, 0], "latency-p99": [0, 0, 0]}[spec.sli_name]
    assert compared == [(name, severity, minutes, 0) for (name, severity), minutes in zip(
        [("SLOErrorBudgetBurn", "page"), ("SLOErrorBudgetBurn", "ticket"),
         ("SLOMetricAbsent", "page")], expected_minutes, strict=True)]
