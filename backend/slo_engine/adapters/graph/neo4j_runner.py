"""Runs named queries on Neo4j 5 with the official driver, one managed transaction each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import neo4j
from neo4j import GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import ServiceUnavailable, SessionExpired

from slo_engine.adapters.graph.cypher_loader import QueryCatalog, schema_statements
from slo_engine.application.ports import Row
from slo_engine.domain.errors import DependencyUnavailable

_UNAVAILABLE = (ServiceUnavailable, SessionExpired, OSError)


class Neo4jRunner:
    backend = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        catalog: QueryCatalog,
        database: str | None = None,
        query_timeout_ms: int = 30_000,
    ) -> None:
        self._driver = GraphDatabase.driver(uri, auth=(user, password))
        self._database = database
        self._catalog = catalog
        self._timeout_s = query_timeout_ms / 1000

    def read(self, name: str, **params: Any) -> list[Row]:
        return self._run(name, params, neo4j.READ_ACCESS)

    def write(self, name: str, **params: Any) -> list[Row]:
        return self._run(name, params, neo4j.WRITE_ACCESS)

    def write_many(self, name: str, param_sets: Iterable[dict[str, Any]]) -> list[list[Row]]:
        return [self.write(name, **params) for params in param_sets]

    def _run(self, name: str, params: dict[str, Any], access: str) -> list[Row]:
        text = self._catalog.get(name).text

        @unit_of_work(timeout=self._timeout_s, metadata={"query": name})
        def work(tx: ManagedTransaction) -> list[Row]:
            return [record.data() for record in tx.run(text, params)]

        try:
            with self._driver.session(database=self._database, default_access_mode=access) as s:
                if access == neo4j.READ_ACCESS:
                    return s.execute_read(work)
                return s.execute_write(work)
        except _UNAVAILABLE as error:
            raise DependencyUnavailable("graph store", f"Neo4j: {error}") from error

    def apply_schema(self) -> None:
        try:
            with self._driver.session(database=self._database) as session:
                for statement in schema_statements("neo4j"):
                    session.run(statement).consume()
                session.run("CALL db.awaitIndexes(60)").consume()
        except _UNAVAILABLE as error:
            raise DependencyUnavailable("graph store", f"Neo4j: {error}") from error

    def compact(self) -> None:
        """Neo4j's transaction log needs no compaction after a bulk load."""

    def close(self) -> None:
        self._driver.close()
