from collections.abc import Sequence

import pytest

from slo_engine.domain.errors import InvalidInput
from slo_engine.domain.ingestion import (
    GraphSubmission,
    IngestionLimits,
    merge_submission,
    validate_submission,
)
from slo_engine.domain.model import DiscoverySource, EdgeReport, Observation, ServiceRecord


def submission(edges: list[tuple[str, str]], nodes: Sequence[str] = (),
               source: DiscoverySource = DiscoverySource.MANUAL, **attributes: object
               ) -> GraphSubmission:
    return GraphSubmission(source, 1_000, [ServiceRecord(n) for n in nodes],
                           [EdgeReport(s, t, dict(attributes)) for s, t in edges])


def problems_of(sub: GraphSubmission, limits: IngestionLimits = IngestionLimits()
                ) -> list[dict[str, str]]:
    with pytest.raises(InvalidInput) as raised:
        validate_submission(sub, limits)
    return raised.value.problems


def test_a_self_loop_is_refused_naming_the_edge() -> None:
    (problem,) = problems_of(submission([("a", "b"), ("c", "c")]))
    assert problem["pointer"] == "/edges/1"
    assert "'c' depends on itself" in problem["message"]


def test_self_loops_pass_when_allowed() -> None:
    validate_submission(submission([("c", "c")]), IngestionLimits(allow_self_loops=True))


def test_a_pair_listed_twice_is_refused_naming_both_places() -> None:
    (problem,) = problems_of(submission([("a", "b"), ("x", "y"), ("a", "b")]))
    assert problem["pointer"] == "/edges/2"
    assert "also at /edges/0" in problem["message"]


def test_a_service_listed_twice_is_refused() -> None:
    (problem,) = problems_of(submission([], nodes=["a", "b", "a"]))
    assert problem["pointer"] == "/nodes/2/service_id"


def test_too_many_edges_is_refused_before_anything_else_is_checked() -> None:
    (problem,) = problems_of(submission([("a", "a")] * 3), IngestionLimits(max_edges=2))
    assert problem["pointer"] == "/edges"
    assert "3 edges exceed the limit of 2" in problem["message"]


def test_undeclared_endpoints_are_the_ones_to_discover() -> None:
    sub = submission([("a", "b"), ("b", "c")], nodes=["a"])
    assert sub.undeclared_ids() == {"b", "c"}


def test_merging_keeps_what_other_sources_said_and_reports_disagreement() -> None:
    stored = {("a", "b"): {DiscoverySource.KUBERNETES: Observation(
        {"criticality": "soft", "protocol": "http"}, 500, 0.6)}}
    merged = merge_submission(submission([("a", "b")], criticality="hard"), stored,
                              now_ms=2_000, staleness_window_ms=10_000)
    (edge,) = merged.edges
    assert edge.attributes["criticality"] == "hard"
    assert edge.attributes["protocol"] == "http"
    assert edge.sources == ["manual", "kubernetes"]
    assert edge.last_observed_at_ms == 1_000
    assert [c.attribute for c in merged.conflicts] == ["criticality"]


def test_a_new_edge_from_one_source_has_that_source_confidence() -> None:
    merged = merge_submission(submission([("a", "b")], source=DiscoverySource.KUBERNETES),
                              {}, now_ms=2_000, staleness_window_ms=10_000)
    assert merged.edges[0].confidence_ratio == 0.6
    assert merged.conflicts == []
