"""The fleet's priors fitted on first need (application/prior_bootstrap.py), over the
in-memory fakes: the first recommendation with no stored prior fits them and pools with
them; a fit slower than the wait answers on the default prior, uncached; a fit that
failed is tried again only after its retry period."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from slo_engine.application.availability_forecasts import FitForecastPriors, ForecastPriors
from slo_engine.application.prior_bootstrap import PriorBootstrap
from slo_engine.application.recommend_slos import RecommendSlos
from slo_engine.application.recommendation_record import RecommendationRecord
from slo_engine.application.serve_recommendation import ServedRecommendation, ServeRecommendation
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.model import ServiceRecord
from slo_engine.policy.loader import load_policy
from tests.fakes import InMemoryForecastPriors
from tests.fakes_telemetry import InMemoryTelemetry
from tests.fakes_world import FakeWorld, steady_series

SERVICES = ("checkout", "cart", "payment")


class Monotonic:
    now = 0.0

    def __call__(self) -> float:
        return self.now


class Fleet:
    """Three services with 31 days of steady history and no stored prior; `fit` is the
    job's use case unless a test replaces it."""

    def __init__(self, wait_seconds: float = 10.0) -> None:
        self.world = FakeWorld()
        self.world.add_services(*(ServiceRecord(s) for s in SERVICES))
        self.telemetry = InMemoryTelemetry({s: steady_series(1000, 1, 31) for s in SERVICES})
        self.store = InMemoryForecastPriors()
        self.priors = ForecastPriors(self.store)
        policy = load_policy()
        self.job = FitForecastPriors(self.telemetry, self.world.snapshots, self.store,
                                     self.world.clock, policy, self.priors)
        self.fits = 0
        self.monotonic = Monotonic()
        self.bootstrap = PriorBootstrap(self._fit, self.priors, wait_seconds,
                                        retry_seconds=300, monotonic=self.monotonic)
        self.fit_behaviour = "run"
        recommend = RecommendSlos(self.world.store, self.world.snapshots, self.telemetry,
                                  self.world.clock, policy, self.priors)
        self.serve = ServeRecommendation(recommend, self.world.store, self.world.cache,
                                         self.world.clock, prior_bootstrap=self.bootstrap)

    async def _fit(self) -> dict[str, Any]:
        self.fits += 1
        if self.fit_behaviour == "hang":
            await asyncio.sleep(3600)
        if self.fit_behaviour == "fail":
            raise DependencyUnavailable("prometheus", "connection refused")
        return await self.job.run()

    async def get(self, service_id: str = "checkout") -> ServedRecommendation:
        return await self.serve.get(self.serve.request(service_id))


def prior_source(served: ServedRecommendation) -> str:
    assert isinstance(served.content, RecommendationRecord)
    availability = served.content.availability
    assert availability is not None
    assert availability.forecast is not None
    return availability.forecast.prior_source


def test_the_first_recommendation_fits_the_fleets_priors_and_pools_with_them() -> None:
    async def scenario() -> None:
        fleet = Fleet()
        assert not fleet.priors.fitted()
        first, again = await fleet.get(), await fleet.get()
        assert prior_source(first) == "fleet"
        assert fleet.store.priors().by_class["fleet"].services == len(SERVICES)
        assert again.source == "cache"  # fitted: the answer is cached as usual
        await fleet.get("cart")  # computed, but the priors are stored: no second fit
        assert fleet.fits == 1
    asyncio.run(scenario())


def test_concurrent_first_requests_share_one_fit() -> None:
    async def scenario() -> None:
        fleet = Fleet()
        served = await asyncio.gather(*(fleet.get(s) for s in SERVICES))
        assert [prior_source(s) for s in served] == ["fleet"] * len(SERVICES)
        assert fleet.fits == 1
    asyncio.run(scenario())


def test_a_fit_slower_than_the_wait_answers_on_the_default_prior_uncached() -> None:
    async def scenario() -> None:
        fleet = Fleet(wait_seconds=0.05)
        fleet.fit_behaviour = "hang"
        first = await fleet.get()
        assert prior_source(first) == "default"
        again = await fleet.get()
        assert again.source == "computed"  # the default prior's answer was not cached
        assert fleet.fits == 1  # the second request joined the fit in flight
    asyncio.run(scenario())


def test_a_failed_fit_is_tried_again_only_after_its_retry_period() -> None:
    async def scenario() -> None:
        fleet = Fleet()
        fleet.fit_behaviour = "fail"
        assert prior_source(await fleet.get()) == "default"
        await asyncio.sleep(0)  # the failed task's done-callback runs
        assert prior_source(await fleet.get()) == "default"
        assert fleet.fits == 1  # within the retry period: not tried again
        fleet.monotonic.now = 301
        fleet.fit_behaviour = "run"
        assert prior_source(await fleet.get()) == "fleet"
        assert fleet.fits == 2
    asyncio.run(scenario())


def test_with_the_metrics_store_known_down_no_request_waits_for_a_fit() -> None:
    async def scenario() -> None:
        fleet = Fleet()
        fleet.serve = ServeRecommendation(
            fleet.serve.recommender, fleet.world.store, fleet.world.cache,
            fleet.world.clock, retry_after_s=lambda: 30.0, prior_bootstrap=fleet.bootstrap)
        await fleet.get()
        assert fleet.fits == 0  # the breaker is open: the fit would fail too
    asyncio.run(scenario())


def test_a_request_arriving_after_the_wait_has_passed_does_not_wait_again() -> None:
    async def scenario() -> None:
        fleet = Fleet(wait_seconds=0.3)
        fleet.fit_behaviour = "hang"
        assert prior_source(await fleet.get()) == "default"  # waited its 0.3 s
        fleet.monotonic.now += 1.0  # the fit started 1 s ago and still runs
        started = time.perf_counter()
        assert prior_source(await fleet.get("cart")) == "default"
        assert time.perf_counter() - started < 0.25  # none of the 0.3 s is left
        assert fleet.fits == 1
    asyncio.run(scenario())
