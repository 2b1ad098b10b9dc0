"""Real servers for the whole test session: an embedded FalkorDB and Redis, started by the
same runtime code the product uses, on free loopback ports, stopped by process id."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from slo_engine.adapters.graph.cypher_loader import QueryCatalog
from slo_engine.adapters.graph.falkordb_runner import FalkorDBRunner
from slo_engine.adapters.graph.ledger import GraphSloLedger
from slo_engine.adapters.graph.neo4j_runner import Neo4jRunner
from slo_engine.adapters.graph.repository import GraphRepository
from slo_engine.adapters.graph.runner import CypherRunner
from slo_engine.adapters.graph.sli_aggregates import GraphSliAggregates
from slo_engine.application.ports import GraphStore, SliAggregateStore, SloLedger
from slo_engine.runtime.bootstrap import Container, bootstrap
from slo_engine.runtime.processes import ServerProcess, start_falkordb, start_redis
from slo_engine.runtime.prometheus_server import start_prometheus
from slo_engine.runtime.settings import DEFAULT_RATE_LIMITS, Settings
from tests.fakes_graph import InMemoryGraphStore
from tests.fakes_graph_state import InMemoryGraph
from tests.fakes_ledger import InMemorySliAggregates, InMemorySloLedger
from tests.golden import Golden
from tests.identity_provider import AUDIENCE, ISSUER, LocalIdentityProvider

NEO4J_URI = os.environ.get("NEO4J_URI")


@pytest.fixture(scope="session")
def falkordb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start_falkordb(tmp_path_factory.mktemp("falkordb"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prometheus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def catalog() -> QueryCatalog:
    """The shipped queries, and the writes of earlier releases (`legacy/...`) that tests
    use to check records stored by them still read."""
    return QueryCatalog.load("slo_engine.cypher", "tests.legacy_cypher")


def _neo4j_runner(catalog: QueryCatalog) -> Neo4jRunner:
    runner = Neo4jRunner(NEO4J_URI or "", os.environ.get("NEO4J_USER", "neo4j"),
                         os.environ.get("NEO4J_PASSWORD", ""), catalog)
    runner.apply_schema()
    with runner._driver.session() as session:  # a clean database per test
        session.run("MATCH (n) DETACH DELETE n").consume()
    return runner


def _backend_runner(backend: str, falkordb_server: ServerProcess, catalog: QueryCatalog
                    ) -> CypherRunner:
    if backend == "neo4j":
        if not NEO4J_URI:
            pytest.skip("NEO4J_URI is not set; the Neo4j contract runs where a server exists")
        return _neo4j_runner(catalog)
    # A graph of its own per test: FalkorDB keys graphs by name, so this isolates tests.
    runner = FalkorDBRunner(falkordb_server.url, f"test-{uuid.uuid4().hex[:12]}", catalog)
    runner.apply_schema()
    return runner


GRAPH_BACKENDS = ["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)]
STORE_BACKENDS = [*GRAPH_BACKENDS, "memory"]
# For the few contract tests about the database itself (its constraints, what older
# releases' Cypher wrote): they run on the graph backends only.
graph_backends_only = pytest.mark.parametrize("store_backend", GRAPH_BACKENDS, indirect=True)


@pytest.fixture(params=STORE_BACKENDS)
def store_backend(request: pytest.FixtureRequest, falkordb_server: ServerProcess,
                  catalog: QueryCatalog) -> Iterator[CypherRunner | None]:
    """A clean graph on every backend, and None for the in-memory fakes (tests/fakes.py,
    tests/fakes_graph.py, tests/fakes_ledger.py): every store port's contract runs on all."""
    if request.param == "memory":
        yield None
        return
    runner = _backend_runner(request.param, falkordb_server, catalog)
    yield runner
    runner.close()


@pytest.fixture
def graph_runner(store_backend: CypherRunner | None) -> CypherRunner:
    """The database under the graph stores of this test (mark the test
    `graph_backends_only`; on the in-memory fakes it is skipped)."""
    if store_backend is None:
        pytest.skip("this test is about the graph database, not the in-memory fakes")
    return store_backend


@pytest.fixture
def memory_graph() -> InMemoryGraph:
    """The one graph the in-memory fakes of a test share."""
    return InMemoryGraph()


@pytest.fixture
def graph_store(store_backend: CypherRunner | None, memory_graph: InMemoryGraph
                ) -> GraphStore:
    """The GraphStore port on every backend and as its in-memory fake."""
    if store_backend is None:
        return InMemoryGraphStore(memory_graph)
    return GraphRepository(store_backend)


@pytest.fixture
def slo_ledger(store_backend: CypherRunner | None, memory_graph: InMemoryGraph) -> SloLedger:
    """The SloLedger port on every backend (sharing the graph of `graph_store`)."""
    if store_backend is None:
        return InMemorySloLedger(memory_graph)
    return GraphSloLedger(store_backend)


@pytest.fixture
def sli_aggregate_store(store_backend: CypherRunner | None, memory_graph: InMemoryGraph
                        ) -> SliAggregateStore:
    """The SliAggregateStore port on every backend (sharing the graph of `graph_store`)."""
    if store_backend is None:
        return InMemorySliAggregates(memory_graph)
    return GraphSliAggregates(store_backend)


@pytest.fixture(scope="session")
def identity_provider() -> Iterator[LocalIdentityProvider]:
    provider = LocalIdentityProvider()
    yield provider
    provider.stop()


# Tests share one Redis and one principal: only the rate-limit tests meet the real limits.
GENEROUS_RATE_LIMITS = dict.fromkeys(DEFAULT_RATE_LIMITS, 1_000_000)


def settings_for(falkordb: ServerProcess, redis: ServerProcess, tmp_path: Path,
                 prometheus: ServerProcess | None = None,
                 identity: LocalIdentityProvider | None = None, **overrides: object
                 ) -> Settings:
    oidc = {"oidc_issuer": ISSUER, "oidc_audience": AUDIENCE,
            "oidc_jwks_url": identity.jwks_url} if identity else {}
    values: dict[str, object] = {
        "falkordb_url": falkordb.url, "redis_url": redis.url, "state_dir": tmp_path,
        "prometheus_url": prometheus.url if prometheus else None,
        "embedded_prometheus": prometheus is not None,
        "falkordb_graph": f"test-{uuid.uuid4().hex[:12]}",
        "rate_limits_per_minute": GENEROUS_RATE_LIMITS, "log_format": "text",
        "api_key_bcrypt_rounds": 4,  # cost 12 is checked by the contract suite
        # Jobs run in the enqueuing thread; tests/integration/test_workers.py runs them in
        # real worker processes.
        "job_mode": "inline",
        **oidc, **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


class SettableClock:
    """A real clock whose time the test sets, so staleness windows can pass instantly."""

    def __init__(self) -> None:
        self.now = time.time_ns() // 1_000_000

    def now_ms(self) -> int:
        return self.now

    def advance_days(self, days: float) -> None:
        self.now += int(days * 86_400_000)


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
def container(
    falkordb_server: ServerProcess, redis_server: ServerProcess,
    prometheus_server: ServerProcess, tmp_path: Path, clock: SettableClock,
    identity_provider: LocalIdentityProvider,
) -> Iterator[Container]:
    built = bootstrap(settings_for(falkordb_server, redis_server, tmp_path, prometheus_server,
                                   identity_provider), clock)
    yield built
    built.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite golden files from what the code produces now")


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(bool(request.config.getoption("--update-golden")))
