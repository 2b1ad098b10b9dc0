"""The ForecastPriorStore contract on every backend and on its in-memory fake."""

from __future__ import annotations

import numpy as np

from slo_engine.application.ports import ForecastPriorStore
from slo_engine.domain.fleet_prior import DEFAULT_PRIOR, FleetPrior


def prior(shape: float, pool: list[float], services: int) -> FleetPrior:
    return FleetPrior(shape, 90.0, np.array(pool), 4.0, 0.8, 0.15, {7: 0.6, 30: 0.3},
                      services)


def test_priors_read_back_by_class_and_a_new_fit_replaces_them(
        forecast_prior_store: ForecastPriorStore) -> None:
    store = forecast_prior_store
    assert store.priors().by_class == {}
    assert store.priors().computed_at_ms is None
    assert store.store_priors({"fleet": prior(0.7, [3.4012, 2.3026], 40),
                               "criticality:high": prior(1.2, [], 31)}, 100) == 2
    assert sorted(store.priors().by_class) == ["criticality:high", "fleet"]
    assert store.priors().by_class["criticality:high"].log_loss_pool.size == 0
    # A class the new fit no longer has (too few services) goes: it falls back to the fleet.
    assert store.store_priors({"fleet": prior(0.9, [1.0], 41)}, 200) == 1
    stored = store.priors()
    assert sorted(stored.by_class) == ["fleet"]
    fleet = stored.by_class["fleet"]
    assert (fleet.rate_shape, fleet.services, fleet.log_loss_pool.tolist()) == (0.9, 41, [1.0])
    assert stored.computed_at_ms == 200


def test_a_fitted_prior_of_numpy_numbers_is_stored_as_plain_values(
        forecast_prior_store: ForecastPriorStore) -> None:
    fitted = FleetPrior(np.float64(0.5), np.float64(30.0), np.log([30.0, 12.5]),
                        np.float64(5.0), 1.0, np.float64(0.2), {30: np.float64(0.5)}, 2)
    store = forecast_prior_store
    store.store_priors({"fleet": fitted}, 1)
    assert store.priors().by_class["fleet"].to_record() == fitted.to_record()


def test_the_record_round_trip_keeps_every_hyperparameter() -> None:
    again = FleetPrior.from_record(DEFAULT_PRIOR.to_record())
    assert again.to_record() == DEFAULT_PRIOR.to_record()
    assert np.allclose(again.log_loss_pool, DEFAULT_PRIOR.log_loss_pool, atol=1e-4)


def test_a_prior_stored_before_dispersion_was_fitted_per_period_reads_as_30_days() -> None:
    record = {k: v for k, v in DEFAULT_PRIOR.to_record().items() if k != "period_dispersions"}
    old = FleetPrior.from_record({**record, "period_dispersion": 0.8})
    assert old.period_dispersions == {30: 0.8}
    assert old.period_dispersion(7) == old.period_dispersion(30) == 0.8


def test_a_prior_holding_fields_of_a_later_release_still_reads() -> None:
    later = {**DEFAULT_PRIOR.to_record(), "rate_mixture_weights": [0.2, 0.8]}
    assert FleetPrior.from_record(later).to_record() == DEFAULT_PRIOR.to_record()


def test_the_dispersion_of_the_nearest_period_length_offered_is_used() -> None:
    fitted = prior(1.0, [1.0], 40)
    assert (fitted.period_dispersion(7), fitted.period_dispersion(28),
            fitted.period_dispersion(30)) == (0.6, 0.3, 0.3)
