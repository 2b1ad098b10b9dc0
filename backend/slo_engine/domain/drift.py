"""Drift in a service's SLI series (TRD FR-9): three detectors from `river` vote.

The series (p99 latency, error ratio) is compared with itself one day earlier, on a log
scale: a service that is slow every afternoon is not drifting, one that became 20%
slower than yesterday at the same hour is. The deviations are standardised with a
robust scale (median absolute deviation) taken from the part of the window before the
points under judgement, so every service is judged in units of its own noise.

Page-Hinkley (abrupt shifts of the mean), ADWIN (adaptive windows, gradual or abrupt
change) and KSWIN (Kolmogorov-Smirnov between the newest points and older ones) run over
the standardised deviations; drift is confirmed when at least `votes` of them raise an
alarm within the last `agreement_points`, and the vote was reached among the newest
`new_points` (the points this sweep has not judged before).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from river import drift

DETECTORS = ("page_hinkley", "adwin", "kswin")
# A standardised deviation beyond this is treated as this: one wild point must not
# dominate Page-Hinkley's cumulative sum.
CLIP = 6.0
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class DriftSettings:
    page_hinkley_delta: float = 0.5
    page_hinkley_threshold: float = 5.0
    adwin_delta: float = 0.01
    kswin_alpha: float = 0.01
    kswin_window: int = 48
    kswin_stat: int = 6
    votes: int = 2
    agreement_points: int = 12
    # Detectors see only this many newest points (8 h at 5 minutes): KSWIN runs a test
    # per point, and a fleet is judged every 15 minutes.
    detector_points: int = 96


@dataclass(frozen=True)
class DriftVerdict:
    confirmed: bool
    detectors: tuple[str, ...]  # the detectors that alarmed within the agreement window
    points_judged: int


def seasonal_deviation(values: np.ndarray, period_points: int) -> np.ndarray:
    """log(x_t) - log(x_{t-period}); NaN where either is missing or not positive."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(values > 0, np.log(values), np.nan)
    deviation = np.full(len(values), np.nan)
    deviation[period_points:] = logs[period_points:] - logs[:-period_points]
    return deviation


def standardised(deviation: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(x - median) / (1.4826 MAD) of the reference, clipped; NaN without a reference."""
    known = reference[~np.isnan(reference)]
    if len(known) < 12:
        return np.full(len(deviation), np.nan)
    centre = float(np.median(known))
    scale = MAD_TO_SIGMA * float(np.median(np.abs(known - centre)))
    scale = max(scale, 1e-3)  # a flat series: a 0.1% move is one unit
    return np.clip((deviation - centre) / scale, -CLIP, CLIP)


def detect_drift(values: np.ndarray, period_points: int, new_points: int,
                 settings: DriftSettings | None = None) -> DriftVerdict:
    """Judge the newest `new_points` of a regularly spaced series (oldest first)."""
    settings = settings or DriftSettings()
    deviation = seasonal_deviation(np.asarray(values, dtype=float), period_points)
    judged_from = len(deviation) - max(new_points, settings.agreement_points)
    scores = standardised(deviation, deviation[:judged_from])
    scores[:len(scores) - settings.detector_points] = np.nan
    present = np.flatnonzero(~np.isnan(scores))
    if len(present) == 0:
        return DriftVerdict(False, (), 0)
    alarms = _alarm_positions(scores[present], settings)
    agreement_start = len(deviation) - settings.agreement_points
    first_alarm = {name: min(int(present[k]) for k in positions
                             if present[k] >= agreement_start)
                   for name, positions in alarms.items()
                   if any(present[k] >= agreement_start for k in positions)}
    agreeing = tuple(name for name in DETECTORS if name in first_alarm)
    # Confirmed when the vote is reached among the newest points: a drift whose vote was
    # reached before was confirmed by an earlier sweep. Re-running the detectors over a
    # window that moved can shift an alarm by a few points, so callers also keep a
    # cooldown per service after a confirmation.
    reached = sorted(first_alarm.values())[settings.votes - 1] \
        if len(first_alarm) >= settings.votes else None
    confirmed = reached is not None and reached >= len(deviation) - new_points
    return DriftVerdict(confirmed, agreeing, len(present))


def _alarm_positions(scores: np.ndarray, settings: DriftSettings) -> dict[str, list[int]]:
    detectors = {
        "page_hinkley": drift.PageHinkley(min_instances=12, delta=settings.page_hinkley_delta,
                                          threshold=settings.page_hinkley_threshold,
                                          mode="both"),
        "adwin": drift.ADWIN(  # type: ignore[no-untyped-call]
            delta=settings.adwin_delta, clock=1, grace_period=12),
        "kswin": drift.KSWIN(alpha=settings.kswin_alpha, window_size=settings.kswin_window,
                             stat_size=settings.kswin_stat, seed=7),
    }
    alarms: dict[str, list[int]] = {name: [] for name in detectors}
    for position, score in enumerate(scores.tolist()):
        for name, detector in detectors.items():
            detector.update(score)
            if detector.drift_detected:
                alarms[name].append(position)
    return alarms
