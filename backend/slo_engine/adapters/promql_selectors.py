"""The PromqlParser port on the `promql-parser` package (the Rust PromQL parser of
GreptimeDB, with Python bindings): a real parser, so a query the engine accepts is one
Prometheus accepts too."""

from __future__ import annotations

import promql_parser

from slo_engine.domain.sli_override import ParsedSelector, PromqlSyntaxError

OPERATORS = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~",
             "MatchOp.NotRe": "!~"}


class PromqlParserSelectors:
    """Knows how to read the vector selectors of a PromQL expression."""

    def selectors(self, query: str) -> list[ParsedSelector]:
        try:
            expression = promql_parser.parse(query)
        except ValueError as error:
            raise PromqlSyntaxError(str(error)) from error
        found: list[ParsedSelector] = []

        def visit(node: object) -> None:
            if isinstance(node, promql_parser.VectorSelector):
                found.append(_selector(node))

        promql_parser.walk(expression, visit)
        return found


def _selector(node: promql_parser.VectorSelector) -> ParsedSelector:
    matchers = tuple((m.name, OPERATORS[str(m.op)], m.value) for m in node.matchers.matchers)
    name = node.name or next((v for label, op, v in matchers
                              if label == "__name__" and op == "="), None)
    return ParsedSelector(name, matchers)
