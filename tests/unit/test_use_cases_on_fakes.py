"""Use cases over the in-memory fakes of their stores (tests/fakes.py, which pass the
stores' contract suites): no server, milliseconds each."""

from __future__ import annotations

import numpy as np
import pytest

from slo_engine.application.auto_approval import AutoApprovalRules
from slo_engine.application.availability_forecasts import ForecastPriors
from slo_engine.application.ports import StoredPriors
from slo_engine.domain.auto_approval import RuleConditions
from slo_engine.domain.errors import AutoApprovalRuleNotFound, DependencyUnavailable
from slo_engine.domain.fleet_prior import DEFAULT_PRIOR, FleetPrior
from tests.fakes import (
    InMemoryApprovalRules,
    InMemoryForecastPriors,
    Monotonic,
    TickingClock,
)


def test_rules_list_oldest_first_and_a_missing_rule_is_not_found() -> None:
    rules = AutoApprovalRules(InMemoryApprovalRules(), TickingClock())
    first = rules.create("low", RuleConditions(("low",), (), 0.9), False, "admin")
    second = rules.create("shop", RuleConditions((), ("shop",), 0.5, "aggressive"), True,
                          "admin")
    assert [r.rule_id for r in rules.list()] == [first.rule_id, second.rule_id]
    changed = rules.update(first.rule_id, None, None, True)
    assert (changed.name, changed.enabled, changed.created_at_ms) == ("low", True,
                                                                      first.created_at_ms)
    assert changed.updated_at_ms > first.updated_at_ms
    assert rules.get(first.rule_id) == changed
    rules.delete(first.rule_id)
    for action in (lambda: rules.get(first.rule_id), lambda: rules.delete(first.rule_id),
                   lambda: rules.update(first.rule_id, "x", None, None)):
        with pytest.raises(AutoApprovalRuleNotFound):
            action()
    assert rules.list() == [second]


def _prior(services: int) -> FleetPrior:
    return FleetPrior(1.0, 90.0, np.log([20.0]), 5.0, 1.0, 0.1, {30: 0.2}, services)


def test_a_service_pools_with_its_class_else_the_fleet_else_the_default() -> None:
    store, clock = InMemoryForecastPriors(), Monotonic()
    priors = ForecastPriors(store, refresh_seconds=300, monotonic=clock)
    assert priors.prior_for("high") == (DEFAULT_PRIOR, "default")  # before the first fit
    store.store_priors({"fleet": _prior(80), "criticality:high": _prior(35)}, 10)
    assert priors.prior_for("high")[1] == "default"  # read at most every 5 minutes
    clock.now = 301
    assert priors.prior_for("high")[1] == "criticality:high"
    assert priors.prior_for("low")[1] == "fleet"
    assert priors.prior_for(None)[1] == "fleet"
    store.store_priors({"fleet": _prior(81)}, 20)
    priors.forget()  # a fit in this process is read at once
    assert priors.prior_for("high")[0].services == 81


class FailingPriors(InMemoryForecastPriors):
    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def priors(self) -> StoredPriors:
        if self.down:
            raise DependencyUnavailable("graph store", "restarting")
        return super().priors()


def test_a_store_that_fails_keeps_the_priors_read_last() -> None:
    store, clock = FailingPriors(), Monotonic()
    store.store_priors({"fleet": _prior(80)}, 10)
    priors = ForecastPriors(store, refresh_seconds=300, monotonic=clock)
    assert priors.prior_for("low")[1] == "fleet"
    store.down, clock.now = True, 301
    assert priors.prior_for("low")[0].services == 80
    store.down, clock.now = False, 602
    store.store_priors({"fleet": _prior(90)}, 20)
    assert priors.prior_for("low")[0].services == 90
