"""A service's failure history split into a steady error ratio and incidents (TRD FR-2's
input to a forecast of the next SLO period).

A step is an incident step when its failures are both improbable under the steady ratio
p0 (f > mu + z sqrt(mu) + (z^2 - 1) / 6, the Cornish-Fisher upper quantile of
Poisson(mu = p0 r)) and at least `excess_factor` x p0 of its requests. p0 =
(failures + 0.5) / (requests + 1) over the other steps, found by three fixed-point passes
from the median daily ratio. Incident steps closer than `merge_gap_seconds` form one
incident; incidents closer than `episode_gap_seconds` one episode (follow-ups of one
cause are not independent arrivals). An episode's size is its lost-minute equivalent
L = sum(f - p0 r) over its steps / (mean requests per minute): minutes of full outage at
average traffic.

Pure: numpy and the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from slo_engine.domain.time_units import DAY_SECONDS


@dataclass(frozen=True)
class IncidentDetection:
    """How incident steps are told from steady errors, and grouped (policy data)."""

    detection_z: float = 4.0
    excess_factor: float = 5.0
    merge_gap_seconds: int = 3600
    episode_gap_seconds: int = 6 * 3600


@dataclass(frozen=True)
class ServiceFit:
    """One service's history reduced to what the forecast needs (per day and per episode)."""

    step_s: int
    steady_error_ratio: float
    requests_per_minute: float
    day_requests: np.ndarray
    day_steady_failures: np.ndarray
    day_steady_requests: np.ndarray
    day_has_data: np.ndarray
    episode_day: np.ndarray
    episode_loss_minutes: np.ndarray
    episode_duration_s: np.ndarray
    episode_peak_ratio: np.ndarray

    @property
    def days(self) -> float:
        return float(self.day_has_data.sum())

    @property
    def episodes(self) -> int:
        return int(self.episode_loss_minutes.size)


def fit_service(requests: np.ndarray, failed: np.ndarray, step_s: int,
                policy: IncidentDetection | None = None) -> ServiceFit:
    policy = policy or IncidentDetection()
    # Whole days only: a range query's both ends give one step more than whole days,
    # which would otherwise become a day of its own counted as a full day's exposure.
    partial = len(requests) % (DAY_SECONDS // step_s)
    present = ~np.isnan(np.asarray(requests, dtype=float)[partial:])
    r = np.nan_to_num(np.asarray(requests, dtype=float)[partial:])
    f = np.minimum(np.nan_to_num(np.asarray(failed, dtype=float)[partial:]), r)
    flagged, p0 = _incident_steps(r, f, step_s, policy)
    excess = np.where(flagged, np.maximum(f - p0 * r, 0.0), 0.0)
    rpm = r.sum() / max(present.sum() * step_s / 60, 1.0)
    starts, ends = _runs(flagged, policy.merge_gap_seconds // step_s)
    groups = _episode_groups(starts, ends, policy.episode_gap_seconds // step_s)
    cumulative = np.concatenate(([0.0], np.cumsum(excess)))
    per_day = DAY_SECONDS // step_s
    peaks = f / np.maximum(r, 1.0)
    return ServiceFit(
        step_s=step_s, steady_error_ratio=p0, requests_per_minute=float(rpm),
        day_requests=_per_day(r, per_day), day_steady_failures=_per_day(f * ~flagged, per_day),
        day_steady_requests=_per_day(r * ~flagged, per_day),
        day_has_data=_per_day(present.astype(float), per_day) > 0,
        episode_day=np.array([starts[g[0]] // per_day for g in groups], dtype=int),
        episode_loss_minutes=np.array([(cumulative[ends[g[-1]]] - cumulative[starts[g[0]]])
                                       / max(rpm, 1e-9) for g in groups]),
        episode_duration_s=np.array([sum(ends[k] - starts[k] for k in g) * step_s
                                     for g in groups], dtype=float),
        episode_peak_ratio=np.array([peaks[starts[g[0]]:ends[g[-1]]].max() for g in groups]),
    )


def _incident_steps(r: np.ndarray, f: np.ndarray, step_s: int, policy: IncidentDetection
                    ) -> tuple[np.ndarray, float]:
    p0 = _median_daily_ratio(r, f, DAY_SECONDS // step_s)
    flagged = np.zeros(r.size, dtype=bool)
    for _ in range(3):
        mu = p0 * r
        z = policy.detection_z
        flagged = (f > mu + z * np.sqrt(mu) + (z * z - 1) / 6) \
            & (f > policy.excess_factor * mu)
        p0 = float((f[~flagged].sum() + 0.5) / (r[~flagged].sum() + 1.0))
    return flagged, p0


def _median_daily_ratio(r: np.ndarray, f: np.ndarray, per_day: int) -> float:
    days_r, days_f = _per_day(r, per_day), _per_day(f, per_day)
    known = days_r > 0
    if not known.any():
        return 0.0
    return float(max(np.median(days_f[known] / days_r[known]), 0.5 / days_r.sum()))


def _per_day(values: np.ndarray, per_day: int) -> np.ndarray:
    padded = np.concatenate((values, np.zeros(-values.size % per_day)))
    days: np.ndarray = padded.reshape(-1, per_day).sum(axis=1)
    return days


def _runs(flagged: np.ndarray, merge_gap_steps: int) -> tuple[list[int], list[int]]:
    """Runs of flagged steps [start, end), merging runs at most `merge_gap_steps` apart."""
    edges = np.diff(np.concatenate(([0], flagged.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()
    merged_s, merged_e = starts[:1], ends[:1]
    for s, e in zip(starts[1:], ends[1:], strict=True):
        if s - merged_e[-1] <= merge_gap_steps:
            merged_e[-1] = e
        else:
            merged_s.append(s)
            merged_e.append(e)
    return merged_s, merged_e


def _episode_groups(starts: list[int], ends: list[int], gap_steps: int) -> list[list[int]]:
    groups: list[list[int]] = []
    for k, s in enumerate(starts):
        if groups and s - ends[groups[-1][-1]] <= gap_steps:
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def resample_fit(fit: ServiceFit, block_days: int, rng: np.random.Generator) -> ServiceFit:
    """The fit of a history rebuilt from randomly drawn blocks of whole days, drawn from
    the span that holds data (a service with 8 days in a 90-day window must not be
    rebuilt from empty days: with no requests its steady ratio would be the prior's 0.5);
    a fit with no data is its own resample."""
    present = np.flatnonzero(fit.day_has_data)
    if present.size == 0:
        return fit
    first, days = int(present[0]), int(present[-1] - present[0]) + 1
    block = max(1, min(block_days, days))
    starts = first + rng.integers(0, days - block + 1, -(-days // block))
    picked = (starts[:, None] + np.arange(block)[None, :]).ravel()[:days]
    counts = np.bincount(picked, minlength=fit.day_requests.size)
    chosen = np.repeat(np.arange(fit.episode_day.size), counts[fit.episode_day])
    steady_f, steady_r = fit.day_steady_failures[picked], fit.day_steady_requests[picked]
    steady = (float((steady_f.sum() + 0.5) / (steady_r.sum() + 1.0)) if steady_r.sum() > 0
              else fit.steady_error_ratio)  # only gaps drawn: nothing to re-estimate from
    return replace(
        fit, steady_error_ratio=steady,
        day_requests=fit.day_requests[picked], day_steady_failures=steady_f,
        day_steady_requests=steady_r, day_has_data=fit.day_has_data[picked],
        episode_day=fit.episode_day[chosen], episode_loss_minutes=fit.episode_loss_minutes[chosen],
        episode_duration_s=fit.episode_duration_s[chosen],
        episode_peak_ratio=fit.episode_peak_ratio[chosen])
