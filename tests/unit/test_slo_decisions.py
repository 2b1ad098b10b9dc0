from __future__ import annotations

import pytest

from slo_engine.domain.errors import InvalidInput
from slo_engine.domain.slo import (
    RecommendedTargets,
    SloTargets,
    TargetChange,
    next_targets,
    percentile_label,
)

RECOMMENDED = RecommendedTargets({"balanced": 0.999, "aggressive": 0.9995},
                                 {"balanced": ("p99", 0.5), "aggressive": ("p95", 0.3)})


@pytest.mark.parametrize(("percentile", "label"),
                         [(0.95, "p95"), (0.99, "p99"), (0.999, "p999"), (0.5, "p50")])
def test_percentiles_are_labelled_as_sres_write_them(percentile: float, label: str) -> None:
    assert percentile_label(percentile) == label


def test_accepting_a_tier_takes_its_targets_and_keeps_what_it_does_not_cover() -> None:
    previous = SloTargets(0.99, {"p95": 0.2})
    targets, changes = next_targets("accept", RECOMMENDED.for_tier("balanced"), SloTargets(),
                                    previous)
    assert targets == SloTargets(0.999, {"p95": 0.2, "p99": 0.5})
    assert changes == []


def test_a_modification_records_its_delta_from_the_recommendation() -> None:
    targets, changes = next_targets("modify", RECOMMENDED.for_tier("balanced"),
                                    SloTargets(0.9995, {"p99": 0.6}), None)
    assert targets == SloTargets(0.9995, {"p99": 0.6})
    assert changes == [TargetChange("availability", 0.999, 0.9995),
                       TargetChange("p99", 0.5, 0.6)]
    assert changes[0].delta == pytest.approx(0.0005)


def test_a_modification_may_add_a_target_the_recommendation_lacked() -> None:
    _, changes = next_targets("modify", RECOMMENDED.for_tier("balanced"),
                              SloTargets(None, {"p999": 1.2}), None)
    assert changes == [TargetChange("p999", None, 1.2)]
    assert changes[0].delta is None


def test_accept_with_modifications_and_modify_without_are_refused() -> None:
    with pytest.raises(InvalidInput, match="accept takes"):
        next_targets("accept", RECOMMENDED.for_tier("balanced"), SloTargets(0.99), None)
    with pytest.raises(InvalidInput, match="modify needs"):
        next_targets("modify", RECOMMENDED.for_tier("balanced"), SloTargets(), None)


def test_a_tier_without_targets_cannot_be_accepted() -> None:
    with pytest.raises(InvalidInput, match="no target for this tier"):
        next_targets("accept", RECOMMENDED.for_tier("conservative"), SloTargets(), None)


def test_recommended_targets_survive_their_stored_record() -> None:
    assert RecommendedTargets.from_record(RECOMMENDED.to_record()) == RECOMMENDED
