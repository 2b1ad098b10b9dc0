"""Loads the named Cypher queries shipped in `slo_engine/cypher/` and checks their headers.

A query file starts with comment lines naming its parameters and columns; the loader
refuses a file whose body uses a parameter its header does not declare (or the reverse),
so a renamed parameter fails at start-up, not on the first request that needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class QueryCatalogError(Exception):
    """A query is missing or its header disagrees with its body."""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    text: str
    parameters: frozenset[str]


def _header_value(lines: list[str], key: str, name: str) -> str:
    for line in lines:
        if line.startswith(f"// {key}:"):
            return line.split(":", 1)[1].strip()
    raise QueryCatalogError(f"{name}: the header has no '// {key}:' line")


def parse_query(name: str, source: str) -> NamedQuery:
    lines = source.strip().splitlines()
    header = [line for line in lines if line.startswith("//")]
    body = "\n".join(line for line in lines if not line.startswith("//")).strip()
    declared_text = _header_value(header, "parameters", name)
    _header_value(header, "columns", name)
    declared = frozenset(PARAMETER.findall(declared_text))
    used = frozenset(PARAMETER.findall(body))
    if declared != used:
        raise QueryCatalogError(
            f"{name}: header declares {sorted(declared)} but the query uses {sorted(used)}"
        )
    return NamedQuery(name, body, used)


class QueryCatalog:
    """Every named query, keyed `area/verb_noun` (the file path without `.cypher`)."""

    def __init__(self, queries: dict[str, NamedQuery]) -> None:
        self._queries = queries

    @classmethod
    def load(cls, *packages: str) -> QueryCatalog:
        """The queries of `packages` (the shipped ones when none is named)."""
        queries = {}
        for package in packages or ("slo_engine.cypher",):
            for area in resources.files(package).iterdir():
                if not area.is_dir() or area.name in {"schema", "__pycache__"}:
                    continue
                for item in area.iterdir():
                    if item.name.endswith(".cypher"):
                        name = f"{area.name}/{item.name.removesuffix('.cypher')}"
                        queries[name] = parse_query(name, item.read_text(encoding="utf-8"))
        return cls(queries)

    def get(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise QueryCatalogError(f"no Cypher query named '{name}'") from None

    def require(self, names: list[str]) -> None:
        """Fail at start-up, naming every query the repository needs that is not shipped."""
        missing = sorted(set(names) - set(self._queries))
        if missing:
            raise QueryCatalogError(f"missing Cypher queries: {', '.join(missing)}")

    def names(self) -> list[str]:
        return sorted(self._queries)


def schema_statements(backend: str, package: str = "slo_engine.cypher") -> list[str]:
    """The DDL statements of `schema/<backend>.cypher`, split on the ';' ending each."""
    text = resources.files(package).joinpath("schema", f"{backend}.cypher").read_text("utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("//"))
    return [statement.strip() for statement in body.split(";") if statement.strip()]
