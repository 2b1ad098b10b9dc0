"""The embedded servers: started on free ports, stopped by pid, data kept across restarts."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from slo_engine.adapters.graph.cypher_loader import QueryCatalog
from slo_engine.adapters.graph.falkordb_runner import FalkorDBRunner
from slo_engine.adapters.graph.repository import GraphRepository
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.model import ServiceRecord
from slo_engine.runtime.bootstrap import bootstrap
from slo_engine.runtime.processes import start_falkordb
from slo_engine.runtime.settings import Settings


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return state.exists() and state.read_text().split()[2] != "Z"


def repository(url: str) -> GraphRepository:
    return GraphRepository(FalkorDBRunner(url, "persist", QueryCatalog.load()))


def test_graph_data_survives_a_restart_after_compaction(tmp_path: Path) -> None:
    server = start_falkordb(tmp_path)
    store = repository(server.url)
    store.apply_schema()
    store.upsert_services([ServiceRecord(f"svc-{i}") for i in range(100)], 0, 1)
    store.compact()
    store.close()
    server.stop()
    assert not alive(server.pid)
    assert list(tmp_path.glob("appendonlydir/*.base.rdb")), "the rewrite left an RDB base"
    restarted = start_falkordb(tmp_path)
    try:
        assert len(repository(restarted.url).all_services()) == 100
    finally:
        restarted.stop()


def test_writes_made_after_the_last_rewrite_survive_too(tmp_path: Path) -> None:
    server = start_falkordb(tmp_path)
    store = repository(server.url)
    store.apply_schema()
    store.create_placeholder_services(["late"], 1)
    store.close()
    server.stop()
    restarted = start_falkordb(tmp_path)
    try:
        assert repository(restarted.url).existing_service_ids(["late"]) == {"late"}
    finally:
        restarted.stop()


def test_bootstrap_starts_the_embedded_servers_and_close_stops_them(tmp_path: Path) -> None:
    container = bootstrap(Settings(state_dir=tmp_path))
    pids = [server.pid for server in container.servers]
    assert [s.name for s in container.servers] == ["falkordb", "redis", "prometheus"]
    assert all(alive(pid) for pid in pids)
    container.graph.ping()
    assert container.redis.ping()
    container.close()
    assert not any(alive(pid) for pid in pids)
    assert not (tmp_path / "falkordb" / "server.pid").exists()


def test_servers_start_from_the_default_relative_state_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # `make run` passes the relative default, `state`
    container = bootstrap(Settings(state_dir=Path("state")))
    try:
        container.graph.ping()
        assert container.redis.ping()
        assert (tmp_path / "state" / "falkordb" / "server.log").exists()
    finally:
        container.close()


def test_a_server_left_running_by_a_killed_parent_is_replaced(tmp_path: Path) -> None:
    orphan = start_falkordb(tmp_path)
    successor = start_falkordb(tmp_path)  # the pid file names the orphan: it is stopped first
    try:
        assert not alive(orphan.pid)
        assert successor.port != orphan.port
    finally:
        successor.stop()


def test_a_stopped_graph_store_raises_dependency_unavailable(tmp_path: Path) -> None:
    server = start_falkordb(tmp_path)
    store = repository(server.url)
    server.stop()
    with pytest.raises(DependencyUnavailable, match="graph store is unavailable"):
        store.ping()


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored(tmp_path: Path) -> None:
    from slo_engine.runtime.processes import ServerProcess

    stubborn = subprocess.Popen(["python3", "-c", "import signal, time; "
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                                 "print('ignoring', flush=True); time.sleep(60)"],
                                stdout=subprocess.PIPE)
    assert stubborn.stdout is not None
    assert stubborn.stdout.readline() == b"ignoring\n"
    server = ServerProcess("stubborn", stubborn, 0, tmp_path)
    server.stop(grace_s=0.5)
    assert stubborn.returncode == -signal.SIGKILL
