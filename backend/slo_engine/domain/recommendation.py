"""Tiered SLO recommendations from SLI history (TRD FR-2), as pure functions of arrays.

Availability: each tier is the quantile of the service's forecast of the next SLO period
(availability_forecast.py) at the tier's breach probability, balanced capped by the
dependency bound unless history contradicts the bound, the tiers kept in order; each
carries its error budget, its forecast breach probability for the period, the interval
from the fit's uncertainty, and (in-sample, for comparison only) the share of past
rolling windows that would have breached it. Latency: tiers from the service's own
end-to-end histogram (percentiles never add along a call chain), p99.9 and p99 widened by
a noise margin; breach probability is the share of windows whose same percentile
exceeded the target.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from slo_engine.domain.availability_forecast import AvailabilityForecast
from slo_engine.domain.latency_forecast import daily_slow_counts, period_breach_probability
from slo_engine.domain.sli_statistics import (
    block_bootstrap_ratio_ci,
    breach_probability,
    error_budget_minutes,
    floor_target,
    rolling_window_ratios,
)
from slo_engine.domain.slo import TIER_NAMES
from slo_engine.domain.time_units import DAY_SECONDS

MIN_GAP_SECONDS = 1800
WINDOW_STRIDE_SECONDS = 3600


@dataclass(frozen=True)
class DataQuality:
    completeness_ratio: float
    days_of_data: float
    gaps: tuple[tuple[int, int], ...]  # (start_s, end_s) of missing runs >= 30 minutes


@dataclass(frozen=True)
class AvailabilityTier:
    target_ratio: float
    error_budget_minutes: float
    breach_probability: float | None  # forecast for the next period; None: no forecast
    confidence_interval: tuple[float, float] | None
    # In-sample: the share of past rolling windows that would have breached the target.
    # Biased low (the target came from the same history); never the stated figure.
    historical_window_breach_share: float | None = None


@dataclass(frozen=True)
class AvailabilityRecommendation:
    observed_ratio: float
    tiers: dict[str, AvailabilityTier]
    window_days: float
    windows: int
    capped_by_bound: bool
    uncapped_balanced_ratio: float | None = None
    forecast: AvailabilityForecast | None = None  # None: an archetype baseline, not history
    # The service achieved more than its dependencies supposedly allow, beyond the noise
    # of its own history: the bound's inputs or assumptions are wrong, so it caps nothing.
    bound_contradicted: bool = False
    observed_interval: tuple[float, float] | None = None  # (low, high) availability
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LatencyTier:
    target_seconds: float | None  # None: the percentile is beyond the histogram's range
    percentile: float
    breach_probability: float | None
    # The `le` bound at or above the target: what a bucket-based SLI really judges.
    judged_at_seconds: float | None = None
    # Beyond the range: the percentile is at least this (the largest finite bucket).
    lower_bound_seconds: float | None = None
    # In-sample: the share of past windows whose same percentile exceeded the target.
    historical_window_breach_share: float | None = None


@dataclass(frozen=True)
class DailyHistogram:
    """A service's histogram per day of its history: the latency forecast's input."""

    upper_bounds: np.ndarray  # ascending, +Inf last
    cumulative: np.ndarray  # [bucket, day]
    period_days: int
    seed: int = 0


@dataclass(frozen=True)
class LatencyRecommendation:
    observed_seconds: dict[float, float]  # percentile -> observed over the lookback
    tiers: dict[str, LatencyTier]
    noise_margin_ratio: float
    windows: int
    notes: list[str] = field(default_factory=list)
    period_days: int | None = None  # what the tiers' breach probabilities forecast
    bucket_bounds_seconds: tuple[float, ...] = ()  # the histogram's finite `le` bounds


def data_quality(total: np.ndarray, start_s: int, step_s: int) -> DataQuality:
    """Completeness is the share of steps with data; gaps are runs of 30+ minutes without."""
    present = ~np.isnan(np.asarray(total, dtype=float))
    gaps, run_start = [], None
    for k, ok in enumerate([*present.tolist(), True]):
        if not ok and run_start is None:
            run_start = k
        elif ok and run_start is not None:
            if (k - run_start) * step_s >= MIN_GAP_SECONDS:
                gaps.append((start_s + run_start * step_s, start_s + k * step_s))
            run_start = None
    first_present = int(np.argmax(present)) if present.any() else len(present)
    return DataQuality(
        completeness_ratio=float(present.mean()) if present.size else 0.0,
        days_of_data=(len(present) - first_present) * step_s / DAY_SECONDS,
        gaps=tuple(gaps),
    )


def recommend_availability(
    total: np.ndarray, failed: np.ndarray, step_s: int, forecast: AvailabilityForecast,
    bound_ratio: float | None, window_days: float = 7.0, seed: int = 0,
) -> AvailabilityRecommendation:
    """`total` and `failed` are the lookback's counts (the observed baseline, its noise,
    the in-sample windows); the tiers come from the forecast of the next period."""
    total_counts = np.nan_to_num(np.asarray(total, dtype=float))
    failed_counts = np.nan_to_num(np.asarray(failed, dtype=float))
    good = total_counts - failed_counts
    window_steps = max(1, round(window_days * DAY_SECONDS / step_s))
    # Windows ending every hour: ones a step apart are near-copies and add only cost.
    stride = max(1, round(WINDOW_STRIDE_SECONDS / step_s))
    windows = rolling_window_ratios(good, total_counts, window_steps)[::-1][::stride][::-1]
    if windows.size == 0:
        raise ValueError("not enough traffic history for one availability window")
    error_ratio = float(failed_counts.sum() / total_counts.sum())
    # Day-long blocks keep an incident, and a day's traffic cycle, within one block.
    interval = block_bootstrap_ratio_ci(failed_counts, total_counts, seed=seed,
                                        block_length=max(1, DAY_SECONDS // step_s))
    uncapped = forecast.tiers["balanced"].target_ratio
    observed_low = 1.0 - interval.high
    contradicted = bound_ratio is not None and bound_ratio < observed_low
    cap = None if bound_ratio is None or contradicted else floor_target(bound_ratio)
    targets = ordered_tiers({name: forecast.tiers[name].target_ratio for name in TIER_NAMES},
                            cap)
    tiers = {
        name: AvailabilityTier(
            target_ratio=target,
            error_budget_minutes=error_budget_minutes(target),
            breach_probability=forecast.breach_probability_of(target),
            confidence_interval=_interval_holding(forecast.tiers[name].confidence_interval,
                                                  target),
            historical_window_breach_share=breach_probability(windows, target),
        )
        for name, target in targets.items()}
    return AvailabilityRecommendation(
        observed_ratio=1.0 - error_ratio,
        tiers=tiers, window_days=window_days, windows=int(windows.size),
        capped_by_bound=tiers["balanced"].target_ratio < uncapped,
        uncapped_balanced_ratio=uncapped, forecast=forecast, bound_contradicted=contradicted,
        observed_interval=(observed_low, 1.0 - interval.low),
        warnings=[] if cap is None else unachievable_warnings(targets, cap),
    )


def _interval_holding(interval: tuple[float, float], target: float) -> tuple[float, float]:
    """A tier moved by the bound or by the order keeps an interval that holds it: the
    forecast's interval widened to the target it moved to."""
    low, high = interval
    if math.isnan(low) or low <= target <= high:
        return interval
    return (min(low, target), max(high, target))


def ordered_tiers(targets: Mapping[str, float], cap: float | None) -> dict[str, float]:
    """Balanced capped by the bound (TRD FR-3), then conservative <= balanced <=
    aggressive always: a capped balanced tier pulls conservative down with it, and an
    aggressive tier is never below balanced (it may stay above the bound, with a warning)."""
    balanced = targets["balanced"] if cap is None else min(targets["balanced"], cap)
    return {"conservative": min(targets["conservative"], balanced), "balanced": balanced,
            "aggressive": max(targets["aggressive"], balanced)}


def unachievable_warnings(targets: Mapping[str, float], bound_ratio: float) -> list[str]:
    """TRD FR-3's warning for every tier above what the dependencies allow, with the
    10x rule for what each critical dependency would then need."""
    return [f"The {name} target of {target:.2%} is unachievable. Composite availability "
            f"bound is {bound_ratio:.2%} given current dependency chain. To achieve "
            f"{target:.2%}, each critical dependency must be at least "
            f"{1 - (1 - target) / 10:.3%} (Google's 10x rule)."
            for name, target in targets.items() if target > bound_ratio]


def noise_margin(throttled_ratio: float | None, minimum: float, maximum: float,
                 saturation: float) -> float:
    """TRD FR-2's 5-10% buffer for shared infrastructure, scaled by CPU throttling."""
    if throttled_ratio is None:
        return minimum
    return minimum + (maximum - minimum) * min(1.0, max(0.0, throttled_ratio / saturation))


def recommend_latency(
    observed: Mapping[float, float], windows: Mapping[float, np.ndarray],
    tier_percentiles: Mapping[str, float], margin_ratio: float,
    bucket_bounds: tuple[float, ...] = (), beyond_range: frozenset[float] = frozenset(),
    daily: DailyHistogram | None = None,
) -> LatencyRecommendation:
    """`observed[p]` is percentile p over the whole lookback; `windows[p]` its per-window
    series; `bucket_bounds` the histogram's finite `le` bounds; `beyond_range` the
    percentiles whose rank fell in the +Inf bucket (Prometheus then reports the largest
    finite bound, a floor, not a value); `daily` the histogram per day of the history,
    from which each tier's breach probability is forecast for the next period
    (latency_forecast.py), at the bound its SLI is judged at. The aggressive tier (the
    lowest percentile) takes no margin."""
    lowest = min(tier_percentiles.values())
    tiers, notes = {}, []
    for name, percentile in tier_percentiles.items():
        if percentile in beyond_range:
            tiers[name] = LatencyTier(None, percentile, None,
                                      lower_bound_seconds=max(bucket_bounds, default=None))
            notes.append(beyond_range_note(percentile, bucket_bounds))
            continue
        margin = 0.0 if percentile == lowest else margin_ratio
        # Stated in whole milliseconds, rounded up so the stated target is the one judged.
        target = math.ceil(observed[percentile] * (1 + margin) * 1000 - 1e-9) / 1000
        series = np.asarray(windows.get(percentile, np.empty(0)), dtype=float)
        series = series[~np.isnan(series)]
        share = breach_probability(series, target, higher_is_better=False) if series.size \
            else None
        judged = judging_bound(target, bucket_bounds)
        # Forecast the SLO as it will be monitored: a bucket-based SLI counts requests
        # above the bound it is judged at, exactly; interpolating inside the bucket (as
        # histogram_quantile does) stated 5-26% for tiers that breached 1.6-3.7% of months.
        breach = None if daily is None else period_breach_probability(
            *daily_slow_counts(daily.upper_bounds, daily.cumulative,
                               target if judged is None else judged),
            1 - percentile, daily.period_days, daily.seed)
        if breach is None:
            notes.append(f"p{percentile * 100:g}: less than a week of daily history, no "
                         "breach forecast")
        if judged is None and bucket_bounds:
            notes.append(f"the {name} target of {target * 1000:g} ms is above every finite "
                         f"histogram bucket (the largest is le={max(bucket_bounds):g} s): no "
                         "bucket-based SLI can judge it, and its breach forecast is of the "
                         "share slower than that bucket; add buckets above it")
        if judged is not None and not math.isclose(judged, target):
            notes.append(f"the {name} target of {target * 1000:g} ms falls between histogram "
                         f"buckets: a bucket-based SLI judges it at le={judged:g} s "
                         f"({judged * 1000:g} ms); add a bucket at the target to judge it "
                         "exactly")
        tiers[name] = LatencyTier(target, percentile, breach, judged_at_seconds=judged,
                                  historical_window_breach_share=share)
    counts = [np.count_nonzero(~np.isnan(np.asarray(s, dtype=float))) for s in windows.values()]
    return LatencyRecommendation(dict(observed), tiers, margin_ratio, int(max(counts, default=0)),
                                 notes, None if daily is None else daily.period_days,
                                 tuple(sorted(bucket_bounds)))


def judging_bound(target_seconds: float, bucket_bounds: tuple[float, ...]) -> float | None:
    """The smallest finite `le` bound at or above the target (None without buckets or
    when the target is above them all)."""
    above = [b for b in bucket_bounds if b >= target_seconds - 1e-12]
    return min(above) if above else None


def percentiles_beyond_range(percentiles: list[float], upper_bounds: np.ndarray,
                             cumulative: np.ndarray) -> frozenset[float]:
    """Percentiles whose rank lies in the +Inf bucket of a whole-lookback histogram
    (bounds ascending, the last +Inf; counts cumulative)."""
    counts = np.maximum.accumulate(np.asarray(cumulative, dtype=float).reshape(len(upper_bounds),
                                                                              -1)[:, -1])
    if len(upper_bounds) < 2 or not np.isinf(upper_bounds[-1]) or counts[-1] <= 0:
        return frozenset()
    return frozenset(p for p in percentiles if p * counts[-1] > counts[-2])


def beyond_range_note(percentile: float, bucket_bounds: tuple[float, ...]) -> str:
    """Why a tier has no target, and which bucket layout would make it measurable."""
    largest = max(bucket_bounds, default=0.0)
    suggested = ", ".join(f"{largest * k:g}" for k in (2, 5, 10, 30)) if largest else "finite"
    return (f"p{percentile * 100:g} is beyond the histogram's range: more than "
            f"{(1 - percentile) * 100:g}% of requests were slower than its largest finite "
            f"bucket (le={largest:g} s), so no target is given (the percentile is at least "
            f"{largest * 1000:g} ms); add buckets above it (le = {suggested} s) to measure it")


def archetype_of(service_type: str | None, service_id: str, layer: str | None) -> str:
    """TRD FR-2 archetype matching from catalogue metadata."""
    if service_type == "external":
        return "external_integration"
    hints = f"{service_id} {layer or ''}".lower()
    if any(word in hints for word in ("gateway", "edge", "bff", "frontend", "ingress")):
        return "api_gateway"
    return "backend_service"


def short_of_history(quality: DataQuality, window_days: float, lookback_days: int,
                     min_days: int) -> bool:
    """Less data than asked for (or than the cold-start minimum), allowing a day of edge
    effects: a new service, or one with long gaps."""
    return quality.completeness_ratio * window_days < min(min_days, lookback_days) - 1


def archetype_availability(baseline: float, bound: float | None) -> AvailabilityRecommendation:
    """Cold-start tiers around an archetype baseline: the balanced tier is the baseline
    (capped by the bound); conservative allows twice its errors, aggressive half; the
    order always holds."""
    targets = ordered_tiers({"conservative": 1 - 2 * (1 - baseline), "balanced": baseline,
                             "aggressive": 1 - (1 - baseline) / 2},
                            None if bound is None else floor_target(bound))
    tiers = {name: AvailabilityTier(target, error_budget_minutes(target), None, None)
             for name, target in targets.items()}
    return AvailabilityRecommendation(observed_ratio=float("nan"), tiers=tiers, window_days=0,
                                      windows=0,
                                      capped_by_bound=targets["balanced"] < baseline)
