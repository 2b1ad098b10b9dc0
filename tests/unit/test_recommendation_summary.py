"""The availability summary says what the forecast learned and where the balanced target's
budget comes from, in plain sentences."""

from __future__ import annotations

import numpy as np

from slo_engine.api.recommendation_document import _availability_summary
from slo_engine.application.availability_forecasts import ServiceForecast
from slo_engine.application.recommend_slos import SloRecommendation
from slo_engine.application.recommendation_record import Provenance, recommendation_record
from slo_engine.domain.availability_forecast import AvailabilityForecast, ForecastTier
from slo_engine.domain.incident_history import fit_service
from slo_engine.domain.recommendation import (
    AvailabilityRecommendation,
    DataQuality,
    recommend_availability,
)

STEP, DAY_STEPS = 900, 96


def service_forecast(targets: dict[str, float], prior: str = "fleet") -> ServiceForecast:
    total = np.full(90 * DAY_STEPS, 1500.0)
    failed = np.full(90 * DAY_STEPS, 0.15)  # 0.01% steadily
    failed[1000:1002] = 1500.0             # one 30-minute full outage
    failed[5000:5004] = 300.0              # one hour at 20%
    draws = np.linspace(0.0, 0.004, 4001)
    tiers = {t: ForecastTier(v, float(np.mean(1 - draws < v)), (v, v)) for t, v in
             targets.items()}
    model = AvailabilityForecast(30, tiers, 0.0001, 0.62, 0.41, 0.3, 0.001, 4000, draws)
    return ServiceForecast(model, fit_service(total, failed, STEP), prior, 0, 90 * 86_400)


def summary(rec: AvailabilityRecommendation, forecast: ServiceForecast) -> str:
    """As rendered from the stored record."""
    result = SloRecommendation("orders", 0, 0, 30 * 86_400, DataQuality(1.0, 30.0, ()),
                               "high", "backend_service", availability=rec,
                               forecast=forecast)
    record = recommendation_record(result, "r-1", Provenance(30, 30, 1, 1, "", "mc", 4000))
    assert record.availability is not None
    return _availability_summary("orders", record.availability)


def test_the_summary_spells_out_the_history_the_forecast_and_the_budget() -> None:
    forecast = service_forecast({"conservative": 0.9962, "balanced": 0.998,
                                 "aggressive": 0.9992})
    total, failed = np.full(30 * DAY_STEPS, 1000.0), np.full(30 * DAY_STEPS, 0.1)
    rec = recommend_availability(total, failed, STEP, forecast.forecast, None)
    text = summary(rec, forecast)
    assert text == (
        "orders achieved 99.990% availability over the lookback: its errors cost the "
        "equivalent of 4.4 minutes of full outage a month. Over the last 90 days its steady "
        "error ratio was 0.0100% and it had 2 incidents (median 45 minutes long, at worst "
        "100% of requests failing); the forecast of its next 30 days leaned 41% on the "
        "fleet's incident rate. The balanced target of 99.80% budgets 87.6 minutes a month "
        "and is missed in an estimated 50.0% of 30-day periods.")


def test_a_capped_target_names_the_bound_and_what_the_forecast_alone_gives() -> None:
    forecast = service_forecast({"conservative": 0.9700, "balanced": 0.9776,
                                 "aggressive": 0.9783}, prior="criticality:high")
    total, failed = np.full(14 * DAY_STEPS, 1000.0), np.full(14 * DAY_STEPS, 0.1)
    failed[3 * DAY_STEPS:4 * DAY_STEPS] = 200.0  # one bad day: the bound is within its noise
    rec = recommend_availability(total, failed, STEP, forecast.forecast, 0.975)
    text = summary(rec, forecast)
    assert "leaned 41% on the high-criticality services' incident rate" in text
    assert text.endswith("The balanced target of 97.50% is capped by what its hard "
                         "dependencies allow; its own forecast gives 97.76%.")
