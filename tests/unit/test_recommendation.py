from __future__ import annotations

from importlib import resources

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from slo_engine.domain.availability_forecast import AvailabilityForecast, ForecastTier
from slo_engine.domain.latency_forecast import daily_slow_counts, period_breach_probability
from slo_engine.domain.recommendation import (
    DailyHistogram,
    archetype_of,
    data_quality,
    noise_margin,
    percentiles_beyond_range,
    recommend_availability,
    recommend_latency,
)
from slo_engine.domain.sli_statistics import floor_target
from slo_engine.domain.slo import TIER_NAMES
from slo_engine.policy.loader import load_policy
from slo_engine.policy.recommendation_policy import RecommendationPolicy

POLICY = load_policy()
STEP = 300
DAY_STEPS = 288


def test_data_quality_counts_present_steps_and_reports_long_gaps() -> None:
    total = np.ones(DAY_STEPS)
    total[:12] = np.nan       # an hour before data starts: a gap, and not "data"
    total[100:103] = np.nan   # 15 minutes: not a gap
    total[200:210] = np.nan   # 50 minutes: a gap
    quality = data_quality(total, start_s=0, step_s=STEP)
    assert quality.completeness_ratio == pytest.approx((DAY_STEPS - 25) / DAY_STEPS)
    assert quality.gaps == ((0, 3600), (60_000, 63_000))
    assert quality.days_of_data == pytest.approx((DAY_STEPS - 12) / DAY_STEPS)


# Error ratios of simulated next periods, evenly spread over 0-0.4%: P(availability <
# t) is the share of draws above 1 - t.
DRAWS = np.linspace(0.0, 0.004, 4001)
FORECAST_TARGETS = {"conservative": 0.9962, "balanced": 0.998, "aggressive": 0.9992}


def forecast(targets: dict[str, float] = FORECAST_TARGETS,
             draws: np.ndarray = DRAWS) -> AvailabilityForecast:
    tiers = {t: ForecastTier(v, float(np.mean(1 - draws < v)), (v - 0.0005, v + 0.0002))
             for t, v in targets.items()}
    return AvailabilityForecast(30, tiers, 0.0001, 1.0, 0.5, 0.5, float(draws.mean()),
                                draws.size, draws)


def test_the_tiers_are_the_forecasts_and_state_its_breach_probability_for_the_period(
        ) -> None:
    total = np.full(30 * DAY_STEPS, 1000.0)
    failed = np.full(30 * DAY_STEPS, 0.1)  # 0.01% of requests fail, steadily
    rec = recommend_availability(total, failed, STEP, forecast(), None)
    assert [rec.tiers[t].target_ratio for t in TIER_NAMES] == [0.9962, 0.998, 0.9992]
    # Draws above 0.2% error: 2000 of 4001 (0.002 itself is not above).
    assert rec.tiers["balanced"].breach_probability == pytest.approx(2000 / 4001)
    assert rec.tiers["balanced"].confidence_interval == (0.9975, 0.9982)
    assert rec.tiers["balanced"].historical_window_breach_share == 0.0  # in sample: never
    assert rec.observed_ratio == pytest.approx(0.9999)
    assert rec.uncapped_balanced_ratio == 0.998
    assert rec.forecast is not None
    assert rec.tiers["balanced"].error_budget_minutes == pytest.approx(0.002 * 43_800)


def test_the_in_sample_window_share_is_kept_apart_from_the_forecast() -> None:
    rng = np.random.default_rng(2)
    total = rng.poisson(1000, 30 * DAY_STEPS).astype(float)
    failed = rng.binomial(total.astype(int), 0.0008).astype(float)
    failed[5000:5012] = total[5000:5012] * 0.5  # one hour-long incident
    rec = recommend_availability(total, failed, STEP, forecast(), None)
    # 7-day windows ending every hour, the last one ending at the last step.
    assert rec.windows == len(range(0, 30 * DAY_STEPS - 7 * DAY_STEPS + 1, 12))
    shares = [share for t in TIER_NAMES
              if (share := rec.tiers[t].historical_window_breach_share) is not None]
    assert len(shares) == len(TIER_NAMES)  # every tier has an in-sample share
    assert 0 <= shares[0] <= shares[1] <= shares[2] <= 1
    assert shares[2] > 0  # the windows holding the incident miss the aggressive tier
    assert not rec.capped_by_bound


def one_bad_day(days: int = 14, bad_day: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Steady 0.01% errors and one day at 20%: a noisy history (observed 98.56%)."""
    total = np.full(days * DAY_STEPS, 1000.0)
    failed = np.full(days * DAY_STEPS, 0.1)
    failed[bad_day * DAY_STEPS:(bad_day + 1) * DAY_STEPS] = 200.0
    return total, failed


BAD_DAY_FORECAST = {"conservative": 0.9700, "balanced": 0.9776, "aggressive": 0.9783}


def test_the_balanced_tier_is_capped_by_a_bound_within_the_noise_of_history() -> None:
    rec = recommend_availability(*one_bad_day(), STEP, forecast(BAD_DAY_FORECAST,
                                                                DRAWS * 10), 0.9750)
    assert rec.observed_interval is not None
    assert rec.observed_interval[0] < 0.975
    assert not rec.bound_contradicted
    assert rec.capped_by_bound
    assert rec.uncapped_balanced_ratio == 0.9776
    assert [rec.tiers[t].target_ratio for t in TIER_NAMES] == [0.97, 0.975, 0.9783]
    # The capped target's own probability: draws above 2.5% error of 0-4%.
    assert rec.tiers["balanced"].breach_probability == pytest.approx(1500 / 4001, abs=1e-3)
    # Its interval (97.71-97.78% from the forecast) widened to hold where it moved.
    assert rec.tiers["balanced"].confidence_interval == (0.975, 0.9778)
    assert rec.warnings == [
        "The aggressive target of 97.83% is unachievable. Composite availability bound is "
        "97.50% given current dependency chain. To achieve 97.83%, each critical dependency "
        "must be at least 99.783% (Google's 10x rule)."]


def test_a_bound_below_what_the_service_achieved_beyond_noise_caps_nothing() -> None:
    total = np.full(14 * DAY_STEPS, 1000.0)
    failed = np.full(14 * DAY_STEPS, 0.1)  # 99.99% every window
    rec = recommend_availability(total, failed, STEP, forecast(), 0.997)
    assert rec.bound_contradicted
    assert not rec.capped_by_bound
    assert [rec.tiers[t].target_ratio for t in TIER_NAMES] == [0.9962, 0.998, 0.9992]
    assert rec.warnings == []


@settings(max_examples=200, deadline=None)
@given(base=st.floats(0.0, 50.0), burst=st.floats(0.0, 900.0),
       burst_day=st.integers(0, 13), bound=st.one_of(st.none(), st.floats(0.5, 1.0)),
       scale=st.floats(0.1, 100.0))
def test_tiers_are_always_ordered_and_above_the_bound_only_with_a_warning(
        base: float, burst: float, burst_day: int, bound: float | None, scale: float) -> None:
    total, failed = one_bad_day(bad_day=burst_day)
    failed[:] = base
    failed[burst_day * DAY_STEPS:(burst_day + 1) * DAY_STEPS] = burst
    draws = np.minimum(DRAWS * scale, 1.0)
    targets = {t: floor_target(1 - float(np.quantile(draws, 1 - q)))
               for t, q in (("conservative", 0.01), ("balanced", 0.05), ("aggressive", 0.2))}
    rec = recommend_availability(total, failed, STEP, forecast(targets, draws), bound)
    ordered = [rec.tiers[t].target_ratio for t in TIER_NAMES]
    assert ordered == sorted(ordered)
    above = {t for t in TIER_NAMES if bound is not None and rec.tiers[t].target_ratio > bound}
    if rec.bound_contradicted:
        assert bound is not None
        assert rec.observed_interval is not None
        assert bound < rec.observed_interval[0]
        assert rec.warnings == []
    else:
        assert "balanced" not in above
        assert len(rec.warnings) == len(above)
        assert all(f"The {t} target" in w for t, w in zip(sorted(above), sorted(rec.warnings),
                                                          strict=True))


def test_too_little_history_for_one_window_is_an_error() -> None:
    with pytest.raises(ValueError, match="one availability window"):
        recommend_availability(np.ones(10), np.zeros(10), STEP, forecast(), None)


def test_the_noise_margin_grows_with_throttling_between_5_and_10_percent() -> None:
    assert noise_margin(None, 0.05, 0.10, 0.1) == 0.05
    assert noise_margin(0.05, 0.05, 0.10, 0.1) == pytest.approx(0.075)
    assert noise_margin(3.0, 0.05, 0.10, 0.1) == 0.10


def test_latency_tiers_take_the_margin_except_aggressive_and_judge_windows() -> None:
    observed = {0.999: 1.2, 0.99: 0.8, 0.95: 0.5}
    windows = {0.999: np.array([1.0, 1.3, np.nan]), 0.99: np.array([0.7, 0.9, 0.85, 0.6]),
               0.95: np.array([0.4, 0.6])}
    rec = recommend_latency(observed, windows, POLICY.latency_percentiles, 0.05)
    assert rec.tiers["conservative"].target_seconds == pytest.approx(1.26)
    assert rec.tiers["balanced"].target_seconds == pytest.approx(0.84)
    assert rec.tiers["aggressive"].target_seconds == 0.5
    shares = {t: rec.tiers[t].historical_window_breach_share for t in rec.tiers}
    assert shares == {"conservative": 0.5,   # 1.3 > 1.26 of 2 windows
                      "balanced": 0.5,       # 0.9, 0.85 > 0.84
                      "aggressive": 0.5}
    assert rec.tiers["balanced"].breach_probability is None  # no daily history: no forecast
    assert rec.windows == 4


DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def test_a_percentile_in_the_inf_bucket_gets_no_target_and_says_which_buckets_would_help(
        ) -> None:
    bounds = np.array([*DEFAULT_BUCKETS, np.inf])
    cumulative = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 980, 1000], dtype=float)  # 2% > 10 s
    beyond = percentiles_beyond_range([0.999, 0.99, 0.95], bounds, cumulative)
    assert beyond == frozenset({0.999, 0.99})
    observed = {0.999: 10.0, 0.99: 10.0, 0.95: 9.7}
    windows = {p: np.array([v]) for p, v in observed.items()}
    rec = recommend_latency(observed, windows, POLICY.latency_percentiles, 0.05,
                            DEFAULT_BUCKETS, beyond)
    balanced = rec.tiers["balanced"]
    assert (balanced.target_seconds, balanced.breach_probability) == (None, None)
    assert balanced.lower_bound_seconds == 10.0
    assert rec.tiers["aggressive"].target_seconds == 9.7
    assert rec.tiers["aggressive"].judged_at_seconds == 10.0
    assert ("p99 is beyond the histogram's range: more than 1% of requests were slower "
            "than its largest finite bucket (le=10 s), so no target is given (the percentile "
            "is at least 10000 ms); add buckets above it (le = 20, 50, 100, 300 s) to measure "
            "it") in rec.notes


def test_a_target_between_coarse_buckets_names_the_bucket_that_judges_it() -> None:
    observed = {0.999: 0.9, 0.99: 0.7, 0.95: 0.5}
    rec = recommend_latency(observed, {}, POLICY.latency_percentiles, 0.05, DEFAULT_BUCKETS)
    assert rec.tiers["balanced"].target_seconds == 0.735
    assert rec.tiers["balanced"].judged_at_seconds == 1.0
    assert rec.tiers["aggressive"].judged_at_seconds == 0.5  # exactly on a bound: no note
    assert ("the balanced target of 735 ms falls between histogram buckets: a bucket-based "
            "SLI judges it at le=1 s (1000 ms); add a bucket at the target to judge it "
            "exactly") in rec.notes
    assert not any("aggressive target" in note for note in rec.notes)


@pytest.mark.parametrize(("service_type", "service_id", "layer", "archetype"), [
    ("external", "stripe-api", None, "external_integration"),
    ("internal", "api-gateway", None, "api_gateway"),
    ("internal", "svc-00012", "edge", "api_gateway"),
    ("internal", "orders", "domain", "backend_service"),
])
def test_archetypes_follow_catalogue_metadata(service_type: str, service_id: str,
                                              layer: str | None, archetype: str) -> None:
    assert archetype_of(service_type, service_id, layer) == archetype


def test_the_shipped_policy_holds_the_forecast_settings_and_the_trd_numbers() -> None:
    assert POLICY.forecast.tier_breach_probabilities == {
        "conservative": 0.01, "balanced": 0.035, "aggressive": 0.2}
    assert (POLICY.slo_period_days, POLICY.forecast_history_days) == (30, 90)
    assert (POLICY.incident_detection.excess_factor,
            POLICY.incident_detection.episode_gap_seconds) == (10.0, 86_400)
    assert POLICY.archetypes["api_gateway"] == {"availability": 0.9995,
                                                "latency_p99_seconds": 0.2}
    assert (POLICY.margin_min_ratio, POLICY.margin_max_ratio) == (0.05, 0.10)


@pytest.mark.parametrize(("probabilities", "message"), [
    ({"balanced": 0.05}, "exactly the tiers"),
    ({"conservative": 0.01, "balanced": 0.05, "aggressive": 1.5}, "between 0 and 1"),
    ({"conservative": 0.2, "balanced": 0.05, "aggressive": 0.01}, "grow from conservative"),
])
def test_a_policy_with_odd_tier_breach_probabilities_is_refused(
        probabilities: dict[str, float], message: str) -> None:
    data = yaml.safe_load(resources.files("slo_engine.policy").joinpath(
        "recommendation-policy.yaml").read_text())
    data["availability"]["tier_breach_probabilities"] = probabilities
    with pytest.raises(ValueError, match=message):
        RecommendationPolicy.from_mapping(data)


def test_a_latency_tier_forecasts_the_share_of_slow_requests_in_the_next_period() -> None:
    """Daily histograms: 1,000 requests a day, 5 of them over 1 s on most days (0.5%) and
    20 on every seventh (2%): a 30-day period holds about 0.7% over 1 s, so a 1 s target
    at p99 (1% allowed) never breaches and at p99.9 always does; 10% are over 0.5 s, so
    p95 at 0.5 s always does."""
    bounds = np.array([0.1, 0.5, 1.0, np.inf])
    slow = np.array([20.0 if d % 7 == 0 else 5.0 for d in range(90)])
    cumulative = np.vstack([np.full(90, 500.0), np.full(90, 900.0), 1000.0 - slow,
                            np.full(90, 1000.0)])
    daily = DailyHistogram(bounds, cumulative, 30)
    observed = {0.999: 1.0, 0.99: 1.0, 0.95: 0.5}
    rec = recommend_latency(observed, {}, POLICY.latency_percentiles, 0.0,
                            (0.1, 0.5, 1.0), daily=daily)
    assert {t: rec.tiers[t].breach_probability for t in rec.tiers} == {
        "conservative": 1.0, "balanced": 0.0, "aggressive": 1.0}
    assert rec.period_days == 30


def test_a_target_between_buckets_is_forecast_at_the_bound_its_sli_is_judged_at() -> None:
    """0.8% of each day's requests are over 0.5 s and 3% over 0.25 s: a p99 target of
    0.3 s is judged at le=0.5, which never breaches 1%, though the interpolated share over
    0.3 s (2.56%) always would."""
    bounds = np.array([0.1, 0.25, 0.5, np.inf])
    cumulative = np.vstack([np.full(60, 500.0), np.full(60, 970.0), np.full(60, 992.0),
                            np.full(60, 1000.0)])
    rec = recommend_latency({0.999: 0.3, 0.99: 0.3, 0.95: 0.3}, {}, POLICY.latency_percentiles,
                            0.0, (0.1, 0.25, 0.5), daily=DailyHistogram(bounds, cumulative, 30))
    balanced = rec.tiers["balanced"]
    assert (balanced.target_seconds, balanced.judged_at_seconds) == (0.3, 0.5)
    assert balanced.breach_probability == 0.0
    assert rec.tiers["conservative"].breach_probability == 1.0  # 0.8% > 0.1% allowed


def test_a_target_above_every_bucket_says_no_sli_can_judge_it() -> None:
    bounds = np.array([0.1, 0.5, np.inf])
    cumulative = np.vstack([np.full(60, 900.0), np.full(60, 995.0), np.full(60, 1000.0)])
    rec = recommend_latency({0.999: 0.49, 0.99: 0.3, 0.95: 0.1}, {},
                            POLICY.latency_percentiles, 0.05, (0.1, 0.5),
                            daily=DailyHistogram(bounds, cumulative, 30))
    conservative = rec.tiers["conservative"]
    assert conservative.target_seconds == 0.515  # the margin lifts it above le=0.5
    assert conservative.judged_at_seconds is None
    assert conservative.breach_probability == 1.0  # 0.5% above 0.5 s, 0.1% allowed
    assert any("above every finite histogram bucket" in note for note in rec.notes)


def test_the_slow_share_interpolates_inside_the_bucket_as_histogram_quantile_does() -> None:
    bounds = np.array([0.1, 0.5, np.inf])
    cumulative = np.array([[600.0], [1000.0], [1000.0]])
    slow, total = daily_slow_counts(bounds, cumulative, 0.3)  # halfway through 0.1-0.5
    assert (float(slow[0]), float(total[0])) == (200.0, 1000.0)
    assert period_breach_probability(np.array([1.0] * 3), np.array([10.0] * 3), 0.05, 30) \
        is None  # under a week of days: no forecast
