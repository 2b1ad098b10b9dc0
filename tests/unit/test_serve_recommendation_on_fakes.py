"""ServeRecommendation over the in-memory fakes: cached, computed and stored, and (the
metrics store down or past its deadline) the stored one served stale (TRD AC-008). No
server; tens of milliseconds each."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from slo_engine.application.availability_forecasts import ForecastPriors
from slo_engine.application.decide_slo import SloDecision
from slo_engine.application.recommend_slos import RecommendSlos
from slo_engine.application.recommendation_record import RecommendationRecord
from slo_engine.application.serve_recommendation import (
    RecommendationRequest,
    ServedRecommendation,
    ServeRecommendation,
)
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.model import ServiceRecord
from slo_engine.policy.loader import load_policy
from tests.fakes import fitted_prior_store
from tests.fakes_telemetry import InMemoryTelemetry
from tests.fakes_world import WINDOW, FakeWorld, steady_series

SHOWING_EARLIER = "; showing the recommendation generated earlier"


class HangingTelemetry(InMemoryTelemetry):
    """A metrics store that, once `hanging`, never answers a request for counts."""

    hanging = False

    async def request_counts(self, service_id: str, start_s: int, end_s: int, step_s: int
                             ) -> tuple[np.ndarray, np.ndarray]:
        if self.hanging:
            await asyncio.Event().wait()
        return await super().request_counts(service_id, start_s, end_s, step_s)


class Serving:
    """checkout and cart, each with 31 days of steady history, served with a deadline;
    the fleet's priors already fitted (an answer on the default prior is not cached)."""

    def __init__(self, deadline_s: float | None = None) -> None:
        self.world = FakeWorld()
        self.world.add_services(ServiceRecord("checkout"), ServiceRecord("cart"))
        self.telemetry = HangingTelemetry({s: steady_series(1000, 1, 31)
                                           for s in ("checkout", "cart")})
        self.deadlines_missed = 0
        recommend = RecommendSlos(self.world.store, self.world.snapshots, self.telemetry,
                                  self.world.clock, load_policy(),
                                  ForecastPriors(fitted_prior_store()))
        self.serve = ServeRecommendation(
            recommend, self.world.store, self.world.cache, self.world.clock,
            deadline_s=deadline_s, retry_after_s=self.telemetry.retry_after_s,
            on_deadline=self._missed)

    def _missed(self) -> None:
        self.deadlines_missed += 1

    def get(self, service_id: str = "checkout", force_regenerate: bool = False
            ) -> ServedRecommendation:
        request = self.serve.request(service_id, force_regenerate=force_regenerate)
        return asyncio.run(self.serve.get(request))

    def stored_statuses(self) -> dict[str, object]:
        return {rid: owned.properties.get("status")
                for rid, owned in self.world.graph.recommendations.items()}


def record_of(served: ServedRecommendation) -> RecommendationRecord:
    assert isinstance(served.content, RecommendationRecord)
    return served.content


def test_the_first_read_is_computed_and_stored_and_the_next_is_the_cached_one() -> None:
    serving = Serving()
    first = serving.get()
    assert (first.source, first.stale, first.stale_reason) == ("computed", False, None)
    record = record_of(first)
    latest = serving.world.store.latest_recommendation("checkout", WINDOW)
    assert latest is not None
    assert (latest["recommendation_id"], latest["status"]) == (record.recommendation_id,
                                                               "active")
    assert RecommendationRecord.from_record(latest["body"]) == record
    provenance = record.provenance
    assert (provenance.lookback_days, provenance.period_days, provenance.graph_version,
            provenance.policy_version, provenance.forecast_method,
            provenance.forecast_simulations) == (30, 30, 1, 1, "monte_carlo", 10_000)
    second = serving.get()
    assert (second.source, second.stale) == ("cache", False)
    assert record_of(second) == record


def test_the_default_request_is_the_policys_period_over_thirty_days() -> None:
    assert Serving().serve.request("checkout") == RecommendationRequest("checkout", "all",
                                                                        30, 30, False)


def test_force_regenerate_computes_afresh_and_supersedes_the_stored_one() -> None:
    serving = Serving()
    old = record_of(serving.get()).recommendation_id
    forced = serving.get(force_regenerate=True)
    new = record_of(forced).recommendation_id
    assert forced.source == "computed"
    assert new != old
    assert serving.stored_statuses() == {old: "superseded", new: "active"}
    again = serving.get()
    assert (again.source, record_of(again).recommendation_id) == ("cache", new)


def test_a_graph_change_misses_the_cache() -> None:
    serving = Serving()
    old = record_of(serving.get())
    serving.world.add_services(ServiceRecord("search"))  # graph version 1 -> 2
    fresh = serving.get()
    assert fresh.source == "computed"
    assert record_of(fresh).provenance.graph_version == old.provenance.graph_version + 1


def test_a_decision_drops_the_cached_recommendations_of_that_service_only() -> None:
    serving = Serving()
    decided = record_of(serving.get("checkout")).recommendation_id
    record_of(serving.get("cart"))
    serving.world.decisions().decide("checkout", SloDecision(decided, "accept", "alice"))
    after = serving.get("checkout")
    assert after.source == "computed"
    assert record_of(after).recommendation_id != decided
    assert serving.get("cart").source == "cache"


def test_with_the_metrics_store_down_the_stored_one_is_served_stale_with_the_reason() -> None:
    serving = Serving()
    stored = record_of(serving.get())
    serving.telemetry.outage_retry_after_s = 30.0
    assert serving.get().source == "cache"  # a cached one needs no metrics store
    served = serving.get(force_regenerate=True)
    assert (served.source, served.stale) == ("stored", True)
    assert served.stale_reason == ("metrics store (in memory) is unavailable: the test's "
                                   "outage" + SHOWING_EARLIER)
    assert record_of(served) == stored
    assert serving.stored_statuses() == {stored.recommendation_id: "active"}


def test_with_nothing_stored_an_outage_is_dependency_unavailable_with_its_wait() -> None:
    serving = Serving()
    serving.telemetry.outage_retry_after_s = 30.0
    with pytest.raises(DependencyUnavailable) as raised:
        serving.get()
    assert (raised.value.component, raised.value.retry_after_s) == (
        "metrics store (in memory)", 30.0)
    assert serving.stored_statuses() == {}


def test_a_store_silent_past_the_deadline_serves_the_stored_one_and_counts_one_miss() -> None:
    serving = Serving(deadline_s=0.05)
    stored = record_of(serving.get())
    serving.telemetry.hanging = True
    served = serving.get(force_regenerate=True)
    assert (served.source, served.stale, record_of(served)) == ("stored", True, stored)
    assert served.stale_reason == ("metrics store (Prometheus) is unavailable: no answer "
                                   "within the 0.05 s deadline" + SHOWING_EARLIER)
    assert serving.deadlines_missed == 1


def test_a_store_silent_past_the_deadline_with_nothing_stored_is_unavailable() -> None:
    serving = Serving(deadline_s=0.05)
    serving.telemetry.hanging = True
    with pytest.raises(DependencyUnavailable) as raised:
        serving.get()
    assert raised.value.reason == "no answer within the 0.05 s deadline"
    assert raised.value.retry_after_s is None  # the store's breaker knew no wait
    assert serving.deadlines_missed == 1
