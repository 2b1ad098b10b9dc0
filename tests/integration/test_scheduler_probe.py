"""`slo-engine scheduler --check`, the scheduler pod's liveness probe, against a real Redis:
alive while a scheduler on this host keeps sending RQ's cron heartbeat."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rq.cron import CronScheduler
from typer.testing import CliRunner
from workers.schedule import scheduler_alive

from slo_engine.cli import app
from slo_engine.runtime.processes import ServerProcess, free_port
from slo_engine.runtime.settings import Settings

PROBE_DATABASE = 9


@pytest.fixture
def redis_url(redis_server: ServerProcess) -> Iterator[str]:
    url = f"{redis_server.url}/{PROBE_DATABASE}"
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()


def _settings(redis_url: str, tmp_path: Path) -> Settings:
    # Other servers are named so nothing is looked for; only Redis is contacted.
    return Settings(redis_url=redis_url, falkordb_url="redis://127.0.0.1:1",
                    prometheus_url="http://127.0.0.1:1", embedded_prometheus=False,
                    state_dir=tmp_path)


def _beating_scheduler(redis_url: str) -> CronScheduler:
    scheduler = CronScheduler(connection=redis.Redis.from_url(redis_url))
    scheduler.register_birth()
    scheduler.heartbeat()
    return scheduler


def test_a_scheduler_that_just_beat_on_this_host_is_alive_and_only_here(
        redis_url: str, tmp_path: Path) -> None:
    settings = _settings(redis_url, tmp_path)
    _beating_scheduler(redis_url)
    now = time.time()
    assert scheduler_alive(settings, socket.gethostname(), 180, now) is True
    assert scheduler_alive(settings, "another-pod", 180, now) is False


def test_a_heartbeat_older_than_the_allowed_age_is_not_alive(
        redis_url: str, tmp_path: Path) -> None:
    settings = _settings(redis_url, tmp_path)
    _beating_scheduler(redis_url)
    assert scheduler_alive(settings, socket.gethostname(), 180, time.time() + 600) is False


def test_an_unreachable_redis_is_not_alive(tmp_path: Path) -> None:
    settings = _settings(f"redis://127.0.0.1:{free_port()}/0", tmp_path)
    assert scheduler_alive(settings, socket.gethostname(), 180, time.time()) is False


def test_the_check_exits_1_without_a_scheduler_and_0_once_one_beats(
        redis_url: str, tmp_path: Path) -> None:
    environment = {"REDIS_URL": redis_url, "FALKORDB_URL": "redis://127.0.0.1:1",
                   "PROMETHEUS_URL": "http://127.0.0.1:1",
                   "SLO_ENGINE_EMBEDDED_PROMETHEUS": "false",
                   "SLO_ENGINE_STATE_DIR": str(tmp_path)}
    before = CliRunner().invoke(app, ["scheduler", "--check"], env=environment)
    _beating_scheduler(redis_url)
    after = CliRunner().invoke(app, ["scheduler", "--check"], env=environment)
    assert (before.exit_code, before.output) == (
        1, "no recent heartbeat from a scheduler on this host\n")
    assert (after.exit_code, after.output) == (0, "alive\n")
