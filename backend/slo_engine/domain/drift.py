"""Drift in a service's SLI series (TRD FR-9): three change detectors vote.

The series (p99 latency, error ratio) is compared with itself one day earlier (p99 on a
log scale, the error ratio in percentage points): a service that is slow every afternoon
is not drifting, one that became 20% slower than yesterday at the same hour is. The p99
of each minute is compared with the median of yesterday's minutes around the same time
(an hour of them), not with one minute: a quiet service's one-minute p99 comes from a few
hundred requests, and comparing one noisy minute with another doubles the noise a shift
must stand out of; a median ignores yesterday's short spikes. The deviations are
standardised with a robust scale (median absolute deviation) taken from the part of the
window before the points under judgement, so every service is judged in units of its own
noise.

Page-Hinkley (abrupt shifts of the mean), ADWIN (adaptive windows, gradual or abrupt
change) and KSWIN (Kolmogorov-Smirnov between the newest points and older ones) run over
the standardised deviations; drift is confirmed when at least `votes` of them raise an
alarm within the last `agreement_points`, and the vote was reached among the newest
`new_points` (the points this sweep has not judged before). The detectors themselves
are a library's (`river`, adapters/river_drift.py), handed in as `AlarmDetectors`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

DETECTORS = ("page_hinkley", "adwin", "kswin")
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class DriftSettings:
    """Tuned with `slo-engine bench drift` for one-minute points judged every 15 minutes."""

    page_hinkley_delta: float = 0.5
    # Three times `clip`: a single wild point never alarms Page-Hinkley on its own.
    page_hinkley_threshold: float = 12.0
    adwin_delta: float = 0.002
    kswin_alpha: float = 0.001
    kswin_window: int = 60
    kswin_stat: int = 10
    votes: int = 2
    agreement_points: int = 15
    # A standardised deviation beyond this is treated as this: one wild point must not
    # dominate Page-Hinkley's cumulative sum.
    clip: float = 4.0
    # The smallest scale (one standardised unit) a deviation is measured in, in the
    # series' units (log for p99, ratio for errors): below it a service's noise is so low
    # that changes too small to matter would be drift. Also a day-to-day change of the
    # daily rhythm (a peak 10% higher than yesterday's) must stay well below the vote.
    scale_floor: float = 0.07
    # Page-Hinkley and ADWIN see this many newest points (2 h); KSWIN, a Kolmogorov-
    # Smirnov test per point and a thousand times slower, only its window and the
    # agreement window.
    detector_points: int = 120
    # The p99 baseline: the median of the points this far either side of the same point
    # one period earlier.
    baseline_half_width: int = 30


@dataclass(frozen=True)
class SliDeviation:
    """A service's SLIs against one period (a day) earlier, per step, oldest first."""

    latency_p99_log: np.ndarray  # ln(p99) - the baseline of ln(p99) a period earlier
    error_ratio: np.ndarray  # error ratio - error ratio a period earlier


# Scores in, the positions (into scores) where each of DETECTORS alarmed out.
AlarmDetectors = Callable[[np.ndarray, DriftSettings], dict[str, list[int]]]


@dataclass(frozen=True)
class DriftVerdict:
    confirmed: bool
    detectors: tuple[str, ...]  # the detectors that alarmed within the agreement window
    points_judged: int


def deviation_from_earlier(current_log: np.ndarray, earlier_log: np.ndarray,
                           half_width: int) -> np.ndarray:
    """current_log[i] minus the median of earlier_log[i : i + 2 half_width + 1], the points
    around the same step one period earlier (so earlier_log holds 2 half_width more
    points, starting half_width steps before); NaN where fewer than half of those are
    known."""
    width = 2 * half_width + 1
    earlier = np.asarray(earlier_log, dtype=float)
    if len(earlier) != len(current_log) + 2 * half_width:
        raise ValueError(f"earlier_log needs {len(current_log) + 2 * half_width} points, "
                         f"has {len(earlier)}")
    windows = sliding_window_view(earlier, width)
    known = (~np.isnan(windows)).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows: masked below
        baseline = np.nanmedian(windows, axis=1)
    baseline[known * 2 < width] = np.nan
    deviation: np.ndarray = np.asarray(current_log, dtype=float) - baseline
    return deviation


def seasonal_deviation(values: np.ndarray, period_points: int,
                       half_width: int = DriftSettings.baseline_half_width) -> np.ndarray:
    """log(x_t) minus the median of log(x) around t - period, for a regularly spaced series;
    NaN where that is unknown (the first period and half width of points, non-positive
    values)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(values > 0, np.log(values), np.nan)
    deviation = np.full(len(values), np.nan)
    first = period_points + half_width
    if len(values) > first:
        deviation[first:] = deviation_from_earlier(
            logs[first:], logs[:len(values) - period_points + half_width], half_width)
    return deviation


def standardised(deviation: np.ndarray, reference: np.ndarray, clip: float = 4.0,
                 scale_floor: float = 1e-3) -> np.ndarray:
    """(x - median) / (1.4826 MAD) of the reference, clipped; NaN without a reference."""
    known = reference[~np.isnan(reference)]
    if len(known) < 12:
        return np.full(len(deviation), np.nan)
    centre = float(np.median(known))
    scale = MAD_TO_SIGMA * float(np.median(np.abs(known - centre)))
    scale = max(scale, scale_floor)
    return np.clip((deviation - centre) / scale, -clip, clip)


def detect_drift(values: np.ndarray, period_points: int, new_points: int,
                 detectors: AlarmDetectors, settings: DriftSettings | None = None
                 ) -> DriftVerdict:
    """Judge the newest `new_points` of a regularly spaced series (oldest first)."""
    settings = settings or DriftSettings()
    deviation = seasonal_deviation(np.asarray(values, dtype=float), period_points,
                                   settings.baseline_half_width)
    return judge_deviation(deviation, new_points, detectors, settings)


def judge_deviation(deviation: np.ndarray, new_points: int, detectors: AlarmDetectors,
                    settings: DriftSettings | None = None) -> DriftVerdict:
    """Judge the newest `new_points` of a day-on-day deviation series (oldest first; NaN
    where unknown), scored against the points before them."""
    settings = settings or DriftSettings()
    deviation = np.asarray(deviation, dtype=float)
    judged_from = len(deviation) - max(new_points, settings.agreement_points)
    scores = standardised(deviation, deviation[:judged_from], settings.clip,
                          settings.scale_floor)
    scores[:len(scores) - settings.detector_points] = np.nan
    present = np.flatnonzero(~np.isnan(scores))
    if len(present) == 0:
        return DriftVerdict(False, (), 0)
    alarms = detectors(scores[present], settings)
    alarms = {name: [int(present[k]) for k in positions] for name, positions in alarms.items()}
    agreement_start = len(deviation) - settings.agreement_points
    first_alarm = {name: int(min(recent)) for name, positions in alarms.items()
                   if (recent := [p for p in positions if p >= agreement_start])}
    agreeing = tuple(name for name in DETECTORS if name in first_alarm)
    # Confirmed when the vote is reached among the newest points: a drift whose vote was
    # reached before was confirmed by an earlier sweep. Re-running the detectors over a
    # window that moved can shift an alarm by a few points, so callers also keep a
    # cooldown per service after a confirmation.
    reached = sorted(first_alarm.values())[settings.votes - 1] \
        if len(first_alarm) >= settings.votes else None
    confirmed = reached is not None and reached >= len(deviation) - new_points
    return DriftVerdict(confirmed, agreeing, len(present))
