from pathlib import Path

import pytest
from pydantic import ValidationError

from slo_engine.adapters.kubernetes_access import ClusterAccess
from slo_engine.runtime.settings import Settings, load_settings


def test_the_documented_variables_configure_the_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLO_ENGINE_GRAPH_BACKEND", "neo4j")
    monkeypatch.setenv("NEO4J_URI", "bolt://graph:7687")
    monkeypatch.setenv("NEO4J_PASSWORD", "secret")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("SLO_ENGINE_STATE_DIR", "/var/lib/slo")
    settings = load_settings()
    assert settings.graph_backend == "neo4j"
    assert settings.neo4j_uri == "bolt://graph:7687"
    assert settings.neo4j_password == "secret"
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.state_dir == Path("/var/lib/slo")


def test_nothing_configured_means_everything_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FALKORDB_URL", "REDIS_URL", "NEO4J_URI", "SLO_ENGINE_GRAPH_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.graph_backend == "falkordb"
    assert settings.falkordb_url is None
    assert settings.redis_url is None
    assert settings.staleness_window_ms == 7 * 86_400_000


def test_a_settings_file_is_read_and_the_environment_wins_over_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "engine.env"
    file.write_text("SLO_ENGINE_STALENESS_WINDOW_DAYS=3\nREDIS_URL=redis://from-file:1/0\n")
    monkeypatch.setenv("REDIS_URL", "redis://from-env:2/0")
    settings = load_settings(file)
    assert settings.staleness_window_days == 3
    assert settings.redis_url == "redis://from-env:2/0"


def test_a_missing_settings_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.env"):
        load_settings(tmp_path / "nope.env")


def test_an_unknown_backend_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLO_ENGINE_GRAPH_BACKEND", "postgres")
    with pytest.raises(ValueError, match="graph_backend"):
        load_settings()


def test_benchmarks_that_embed_the_engine_run_jobs_inline_with_limits_out_of_reach() -> None:
    from slo_engine.bench.bench_settings import OUT_OF_REACH, bench_settings

    settings = bench_settings()
    assert settings.job_mode == "inline"  # no worker runs beside an embedded benchmark
    assert settings.rate_limits_per_minute == OUT_OF_REACH
    assert settings.prometheus_request_deadline_seconds == 30.0
    degraded = bench_settings(prometheus_request_deadline_seconds=0.5)  # bench degraded's
    assert degraded.prometheus_request_deadline_seconds == 0.5


def test_sli_conventions_come_from_the_environment_and_bad_names_stop_start_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLO_ENGINE_SLI_REQUESTS_METRIC",
                       "http_server_request_duration_seconds_count")
    monkeypatch.setenv("SLO_ENGINE_SLI_CODE_LABEL", "http_response_status_code")
    monkeypatch.setenv("SLO_ENGINE_SLI_EXTRA_MATCHERS", '{"env": "prod"}')
    queries = load_settings().sli_queries()
    assert queries.requests_metric == "http_server_request_duration_seconds_count"
    assert queries.code_label == "http_response_status_code"
    assert queries.extra_matchers == {"env": "prod"}
    monkeypatch.setenv("SLO_ENGINE_SLI_SERVICE_LABEL", "service-name")
    with pytest.raises(ValueError, match="SLO_ENGINE_SLI_\\*: 'service-name' is not a valid"):
        load_settings()


def test_a_setting_under_its_old_name_still_works_for_a_release_with_a_warning(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLO_ENGINE_PROMETHEUS_REQUEST_DEADLINE_S", "1.5")
    with pytest.warns(DeprecationWarning, match="SLO_ENGINE_PROMETHEUS_REQUEST_DEADLINE_S"
                      " is deprecated.*SLO_ENGINE_PROMETHEUS_REQUEST_DEADLINE_SECONDS"):
        settings = Settings()
    assert settings.prometheus_request_deadline_seconds == 1.5
    monkeypatch.setenv("SLO_ENGINE_PROMETHEUS_REQUEST_DEADLINE_SECONDS", "2.5")
    assert Settings().prometheus_request_deadline_seconds == 2.5  # the new name wins
    assert Settings(prometheus_retry_delays_seconds=[0.0]).prometheus_retry_delays_seconds \
        == [0.0]


def test_kubernetes_discovery_is_off_and_reads_configmaps_only_when_asked() -> None:
    assert Settings().kubernetes_discovery_enabled is False
    assert Settings().cluster_access() == ClusterAccess()
    asked = Settings(kubernetes_kubeconfig=Path("/k/config"), kubernetes_namespaces=["shop"],
                     kubernetes_label_selector="tier=prod", kubernetes_read_configmaps=True)
    assert asked.cluster_access() == ClusterAccess(
        Path("/k/config"), None, ("shop",), "tier=prod", "slo-engine.io/dependencies=true")


def test_an_annotation_name_kubernetes_would_refuse_is_refused() -> None:
    with pytest.raises(ValidationError, match="kubernetes_team_label"):
        Settings(kubernetes_team_label="team name")
