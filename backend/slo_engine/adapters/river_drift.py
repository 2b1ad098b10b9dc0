"""The drift detectors of `river` (Page-Hinkley, ADWIN, KSWIN) as the domain's
`AlarmDetectors` (domain/drift.py decides what their alarms mean)."""

from __future__ import annotations

import numpy as np
from river import drift

from slo_engine.domain.drift import DETECTORS, DriftSettings


def river_alarm_positions(scores: np.ndarray, settings: DriftSettings) -> dict[str, list[int]]:
    """Positions (into scores) where each detector alarmed."""
    streaming = {
        "page_hinkley": drift.PageHinkley(min_instances=12, delta=settings.page_hinkley_delta,
                                          threshold=settings.page_hinkley_threshold,
                                          mode="both"),
        "adwin": drift.ADWIN(  # type: ignore[no-untyped-call]
            delta=settings.adwin_delta, clock=1, grace_period=12),
    }
    values = scores.tolist()
    alarms: dict[str, list[int]] = {name: [] for name in DETECTORS}
    for name, detector in streaming.items():
        for position, score in enumerate(values):
            detector.update(score)
            if detector.drift_detected:
                alarms[name].append(position)
    kswin = drift.KSWIN(alpha=settings.kswin_alpha, window_size=settings.kswin_window,
                        stat_size=settings.kswin_stat, seed=7)
    first = max(0, len(values) - settings.kswin_window - settings.agreement_points)
    for position in range(first, len(values)):
        kswin.update(values[position])  # type: ignore[no-untyped-call]
        if kswin.drift_detected:
            alarms["kswin"].append(position)
    return alarms
