"""Runs named queries on FalkorDB through its native protocol (the `falkordb` client)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import redis.exceptions
from falkordb import FalkorDB
from falkordb.helpers import stringify_param_value

from slo_engine.adapters.graph.cypher_loader import QueryCatalog, schema_statements
from slo_engine.adapters.graph.runner import UNIQUE_KEYS
from slo_engine.application.ports import Row
from slo_engine.domain.errors import DependencyUnavailable, InvalidInput

_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def _unstorable(literal: str) -> bool:
    """Text FalkorDB's parameter header cannot carry: a NUL ends it early, and an unpaired
    surrogate cannot be encoded at all. Checked on a parameter's literal (its strings, map
    keys and all), once: walking 50,000 edges' values one by one cost a second per run."""
    if "\x00" in literal:
        return True
    if literal.isascii():
        return False
    try:
        literal.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _with_parameters(text: str, params: dict[str, Any]) -> str:
    """The `CYPHER name=literal ...` prefix FalkorDB reads parameters from."""
    if not params:
        return text
    literals = {name: stringify_param_value(value) for name, value in params.items()}
    refused = [name for name, literal in literals.items() if _unstorable(literal)]
    if refused:
        raise InvalidInput(f"A text value ({', '.join(refused)}) holds a NUL character or an "
                           "unpaired UTF-16 surrogate; remove it and send the request again.",
                           [{"pointer": "", "message": "text with NUL or lone surrogate"}])
    header = " ".join(f"{name}={literal}" for name, literal in literals.items())
    return f"CYPHER {header} {text}"


class FalkorDBRunner:
    backend = "falkordb"

    def __init__(
        self, url: str, graph_name: str, catalog: QueryCatalog, query_timeout_ms: int = 30_000
    ) -> None:
        self._db = FalkorDB.from_url(url, socket_timeout=query_timeout_ms / 1000 + 5,
                                     socket_connect_timeout=2)
        self._graph = self._db.select_graph(graph_name)
        self._graph_name = graph_name
        self._catalog = catalog
        self._timeout_ms = query_timeout_ms

    def read(self, name: str, **params: Any) -> list[Row]:
        return self._run(name, params, read_only=True)

    def write(self, name: str, **params: Any) -> list[Row]:
        return self._run(name, params, read_only=False)

    def write_many(self, name: str, param_sets: Iterable[dict[str, Any]]) -> list[list[Row]]:
        """Pipelined: FalkorDB takes parameters as Cypher text that the client builds in
        Python, so batch n+1 is built here while a writer thread waits on batch n."""
        text = self._catalog.get(name).text
        results: list[list[Row]] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="falkordb-writer") as writer:
            in_flight: Future[list[Row]] | None = None
            for params in param_sets:
                statement = _with_parameters(text, params)
                if in_flight is not None:
                    results.append(in_flight.result())
                in_flight = writer.submit(self._execute, statement, False)
            if in_flight is not None:
                results.append(in_flight.result())
        return results

    def _run(self, name: str, params: dict[str, Any], read_only: bool) -> list[Row]:
        return self._execute(_with_parameters(self._catalog.get(name).text, params), read_only)

    def _execute(self, statement: str, read_only: bool) -> list[Row]:
        try:
            if read_only:
                result = self._graph.ro_query(statement, None, timeout=self._timeout_ms)
            else:
                result = self._graph.query(statement, None, timeout=self._timeout_ms)
        except _UNAVAILABLE as error:
            raise DependencyUnavailable("graph store", f"FalkorDB: {error}") from error
        columns = [column[1] for column in result.header]
        return [dict(zip(columns, row, strict=True)) for row in result.result_set]

    def apply_schema(self) -> None:
        try:
            for statement in schema_statements("falkordb"):
                self._ignore_existing(lambda s=statement: self._graph.query(s))
            for label, prop in UNIQUE_KEYS:
                self._ignore_existing(
                    lambda lb=label, p=prop: self._graph.create_node_unique_constraint(lb, p)
                )
            self._await_constraints()
        except _UNAVAILABLE as error:
            raise DependencyUnavailable("graph store", f"FalkorDB: {error}") from error

    @staticmethod
    def _ignore_existing(create: Any) -> None:
        try:
            create()
        except redis.exceptions.ResponseError as error:
            if "already" not in str(error).lower():
                raise

    def _await_constraints(self, timeout_s: float = 30.0) -> None:
        """Constraints are built in the background (PENDING); writes must wait for OPERATIONAL."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            states = [c["status"] for c in self._graph.list_constraints()]
            if "FAILED" in states:
                raise RuntimeError(f"a FalkorDB constraint failed to build: {states}")
            if all(state == "OPERATIONAL" for state in states):
                return
            time.sleep(0.05)
        raise TimeoutError("FalkorDB constraints did not become operational")

    def compact(self) -> None:
        try:
            self._db.connection.execute_command("BGREWRITEAOF")
        except redis.exceptions.ResponseError as error:
            # Already rewriting (or AOF off): the running rewrite covers this load too.
            if "in progress" not in str(error) and "already" not in str(error):
                raise

    def close(self) -> None:
        self._db.close()
