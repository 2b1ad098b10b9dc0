"""The parameter header the FalkorDB runner builds: text the server cannot carry is
refused naming the parameter, wherever in the value it sits."""

from __future__ import annotations

import pytest

from slo_engine.adapters.graph.falkordb_runner import _with_parameters
from slo_engine.domain.errors import InvalidInput


def test_parameters_become_cypher_literals_in_front_of_the_query() -> None:
    header = _with_parameters("RETURN 1", {"groups": [{"source": 'a"b', "n": [1, None]}],
                                           "now": 5})
    assert header == 'CYPHER groups=[{`source`:"a\\"b",`n`:[1,null]}] now=5 RETURN 1'


@pytest.mark.parametrize("bad", ["a\x00b", "\ud800", "fine \ud83d"])
def test_a_nul_or_lone_surrogate_deep_in_a_parameter_is_refused_naming_it(bad: str) -> None:
    rows = [{"target": "ok", "metadata": {"notes": ["x", bad]}}]
    with pytest.raises(InvalidInput, match=r"A text value \(groups\) holds a NUL"):
        _with_parameters("RETURN 1", {"now": 1, "groups": rows})


def test_a_surrogate_pair_and_other_unicode_are_carried() -> None:
    assert _with_parameters("RETURN 1", {"t": "é \U0001F600"}) == 'CYPHER t="é \U0001F600" RETURN 1'
