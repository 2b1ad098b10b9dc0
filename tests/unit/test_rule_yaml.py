"""The rule-file emitter writes what PyYAML reads back unchanged, whatever the text."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from slo_engine.generators.rule_yaml import rule_yaml, scalar

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
LABELS = st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True), TEXT,
                         max_size=4)
RULE = st.fixed_dictionaries({"record": TEXT, "expr": TEXT, "labels": LABELS})
DOCUMENT = st.fixed_dictionaries({"groups": st.lists(st.fixed_dictionaries(
    {"name": TEXT, "interval": st.sampled_from(["1m", "5m"]),
     "rules": st.lists(RULE, max_size=3)}), max_size=3)})


@settings(max_examples=300, deadline=None)
@given(DOCUMENT)
def test_any_rule_document_reads_back_unchanged(document: dict[str, Any]) -> None:
    assert yaml.safe_load(rule_yaml(document)) == document


def test_strings_yaml_would_read_as_something_else_are_quoted() -> None:
    assert [scalar(v) for v in ("true", "3", "0.999", "null", "5m", "slo:objective:ratio",
                                "-x", 'a"b', "A:", "a::")] == [
        '"true"', '"3"', '"0.999"', '"null"', "5m", "slo:objective:ratio", '"-x"',
        '"a\\"b"', '"A:"', '"a::"']


def test_a_clean_multi_line_expression_is_a_literal_block() -> None:
    assert rule_yaml({"expr": "a\n/\nb"}) == "expr: |-\n  a\n  /\n  b\n"
    assert rule_yaml({"expr": "a \nb"}) == 'expr: "a \\nb"\n'  # a trailing blank: quoted
