"""A second simulated fleet whose incidents come from a different process than
`simulation.py`'s, so a rule tuned on one can be judged on the other.

Same graph handling and the same `FleetHistory` (failures flow through hard synchronous
dependencies by `propagate_failures`, latency is own work plus synchronous calls), but:

- Incidents are self-exciting (a Hawkes process in its cluster form): a service's own
  incidents arrive at a base rate drawn per service from a gamma distribution of shape
  0.6 (many services go months without one, a few have several a month), and each
  incident triggers on average `BRANCHING` follow-ups within hours (a bad fix, a retry
  storm), so incidents cluster in time.
- The whole fleet switches between calm and turbulent regimes (a two-state Markov chain
  by day: release waves, peak season); in a turbulent regime every incident rate is
  `TURBULENT_RATE_FACTOR` times higher.
- Durations are heavy-tailed (lognormal, median 25 min, sigma 1.1: one in a hundred
  lasts over five hours, capped at two days); a fifth are full outages, the rest partial
  with a Beta(0.7, 4) share of requests failing.
- A quarter of own incidents are slow degradations: the error ratio ramps up linearly over
  a duration four times longer, then recovers at once when fixed.
- Shared-infrastructure incidents (a zone, a cluster, a mesh release) hit every service
  of one infrastructure group at once, each at its own depth.
- The steady error ratio drifts: its log follows a daily AR(1) around a per-service level.
- One unreliable internal service per fleet (and one external, as in `simulation.py`)
  starts an incident every week on average (more with follow-ups and turbulence) and has
  a ten-times higher steady error.
- Quiet services: a few internal services are called by only a small share of their
  callers' requests and get little traffic of their own (under 1 request a second). Their
  failures reach their callers only on those few requests, which the failure model
  neglects (such edges are not propagated): the callers' error stays within 1% of exact.

Every draw comes from one seeded generator; own incidents are returned as ground truth
("incident" events: a shared incident gives one event per service it hit, all with the
same start and end).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.fleet.simulation import (
    FleetDraws,
    FleetEvent,
    FleetHistory,
    SimulatedEdge,
    dependency_order,
    fleet_frame,
    fleet_history,
    propagate_failures,
)

BRANCHING = 0.5  # follow-ups per incident (a Hawkes process's branching ratio)
FOLLOW_UP_MEAN_S = 8 * 3600
MEAN_OWN_RATE_PER_DAY = 1 / 60
RATE_SHAPE = 0.6
UNRELIABLE_RATE_PER_DAY = 0.15
TURBULENT_RATE_FACTOR = 4.0
REGIME_SWITCH_PER_DAY = {"calm": 1 / 45, "turbulent": 1 / 6}
SHARED_PER_DAY = 1 / 30
INFRASTRUCTURE_GROUPS = 4
DURATION_MEDIAN_S, DURATION_SIGMA, DURATION_MAX_S = 25 * 60, 1.1, 2 * DAY_SECONDS
RAMP_SHARE, RAMP_STRETCH = 0.25, 4.0
QUIET_SHARE = 0.15


@dataclass(frozen=True)
class BurstyIncident:
    """One incident before it becomes error ratios: steps [start, end) of every service hit,
    each at its own peak error ratio; a ramp climbs to its peak over the whole incident."""

    services: tuple[int, ...]
    severities: tuple[float, ...]
    start: int
    end: int
    ramp: bool


def simulate_bursty_fleet(topology: dict[str, Any], days: int, end_s: int, step_s: int = 300,
                          seed: int = 7, unreliable_external: str | None = None
                          ) -> FleetHistory:
    rng = np.random.default_rng(seed)
    services, kinds, edges, times = fleet_frame(topology, days, end_s, step_s)
    steps = len(times)
    quiet = _quiet_services(services, kinds, rng)
    unreliable = _unreliable(services, kinds, unreliable_external, rng)
    incidents = incident_plan(len(services), steps, step_s, unreliable, rng)
    own_errors = _steady_errors(len(services), steps, step_s, unreliable, rng)
    apply_incidents(own_errors, incidents)
    failure_ratio = propagate_failures(own_errors, _propagated(edges, quiet), len(services))
    requests = _traffic(kinds, services, edges, quiet, times, step_s, rng)
    events = _events(incidents, services, times, step_s)
    return fleet_history(FleetDraws(services, kinds, edges, times, requests, own_errors,
                                    failure_ratio, events), step_s, rng)


def _quiet_services(services: list[str], kinds: dict[str, str], rng: np.random.Generator
                    ) -> set[int]:
    internal = [i for i, s in enumerate(services) if kinds[s] == "internal"]
    count = max(1, round(QUIET_SHARE * len(internal))) if internal else 0
    return {int(i) for i in rng.choice(internal, size=count, replace=False)} if count else set()


def _unreliable(services: list[str], kinds: dict[str, str], external: str | None,
                rng: np.random.Generator) -> set[int]:
    """The named (else the first) external service and one internal service drawn per fleet."""
    chosen = {services.index(external)} if external in services else {
        i for i, s in enumerate(services) if kinds[s] == "external"}
    chosen = set(sorted(chosen)[:1])
    internal = [i for i, s in enumerate(services) if kinds[s] == "internal"]
    if internal:
        chosen.add(int(rng.choice(internal)))
    return chosen


def regime_multiplier(steps: int, step_s: int, rng: np.random.Generator) -> np.ndarray:
    """Per step: 1 in a calm regime, TURBULENT_RATE_FACTOR in a turbulent one (switching by day)."""
    days = -(-steps * step_s // DAY_SECONDS)
    state, daily = "calm", np.ones(days)
    for d in range(days):
        if rng.random() < REGIME_SWITCH_PER_DAY[state]:
            state = "turbulent" if state == "calm" else "calm"
        daily[d] = TURBULENT_RATE_FACTOR if state == "turbulent" else 1.0
    return np.repeat(daily, DAY_SECONDS // step_s)[:steps]


def _arrivals(rate_per_day: float, multiplier: np.ndarray, step_s: int,
              rng: np.random.Generator) -> np.ndarray:
    """Poisson arrival steps at rate x multiplier(t), drawn by thinning."""
    top = float(multiplier.max())
    count = rng.poisson(rate_per_day * top * len(multiplier) * step_s / DAY_SECONDS)
    steps = rng.integers(0, len(multiplier), count)
    return np.sort(steps[rng.random(count) < multiplier[steps] / top])


def _with_follow_ups(starts: np.ndarray, steps: int, step_s: int, rng: np.random.Generator
                     ) -> list[int]:
    """Each incident begets Poisson(BRANCHING) more, an exponential delay later (Hawkes)."""
    every, generation = [], [int(s) for s in starts]
    while generation:
        every += generation
        children = []
        for parent in generation:
            delays = rng.exponential(FOLLOW_UP_MEAN_S / step_s, rng.poisson(BRANCHING))
            children += [parent + 1 + int(d) for d in delays if parent + 1 + d < steps]
        generation = children
    return sorted(every)


def _duration_steps(rng: np.random.Generator, step_s: int, stretch: float = 1.0) -> int:
    seconds = min(DURATION_MAX_S, stretch * DURATION_MEDIAN_S
                  * float(rng.lognormal(0.0, DURATION_SIGMA)))
    return max(1, round(seconds / step_s))


def _severity(rng: np.random.Generator) -> float:
    return 1.0 if rng.random() < 0.2 else float(max(0.005, rng.beta(0.7, 4.0)))


def _own_incident(service: int, start: int, steps: int, step_s: int,
                  rng: np.random.Generator) -> BurstyIncident:
    ramp = bool(rng.random() < RAMP_SHARE)
    length = _duration_steps(rng, step_s, RAMP_STRETCH if ramp else 1.0)
    return BurstyIncident((service,), (_severity(rng),), start, min(steps, start + length), ramp)


def _shared_incident(groups: np.ndarray, start: int, steps: int, step_s: int,
                     rng: np.random.Generator) -> BurstyIncident:
    members = np.flatnonzero(groups == rng.integers(0, INFRASTRUCTURE_GROUPS))
    depth = _severity(rng)
    severities = tuple(float(depth * rng.uniform(0.3, 1.0)) for _ in members)
    end = min(steps, start + _duration_steps(rng, step_s))
    return BurstyIncident(tuple(int(m) for m in members), severities, start, end, False)


def incident_plan(count: int, steps: int, step_s: int, unreliable: set[int],
                  rng: np.random.Generator) -> list[BurstyIncident]:
    """Own (clustered) incidents of every service, then shared-infrastructure ones."""
    multiplier = regime_multiplier(steps, step_s, rng)
    rates = rng.gamma(RATE_SHAPE, MEAN_OWN_RATE_PER_DAY / RATE_SHAPE, count)
    plan = []
    for i in range(count):
        rate = UNRELIABLE_RATE_PER_DAY if i in unreliable else float(rates[i])
        for start in _with_follow_ups(_arrivals(rate, multiplier, step_s, rng), steps,
                                      step_s, rng):
            plan.append(_own_incident(i, start, steps, step_s, rng))
    groups = rng.integers(0, INFRASTRUCTURE_GROUPS, count)
    for start in _arrivals(SHARED_PER_DAY, multiplier, step_s, rng):
        shared = _shared_incident(groups, int(start), steps, step_s, rng)
        if shared.services:
            plan.append(shared)
    return plan


def _steady_errors(count: int, steps: int, step_s: int, unreliable: set[int],
                   rng: np.random.Generator) -> np.ndarray:
    """10^U(-5.5, -3.5) (ten times more for the unreliable), drifting by a daily AR(1) of
    log-ratio (persistence 0.9, innovation sd 0.15), with per-step lognormal noise."""
    days = -(-steps * step_s // DAY_SECONDS)
    levels = 10 ** rng.uniform(-5.5, -3.5, count)
    levels[sorted(unreliable)] *= 10
    drift = np.zeros((count, days))
    for d in range(1, days):
        drift[:, d] = 0.9 * drift[:, d - 1] + rng.normal(0.0, 0.15, count)
    per_step = np.repeat(drift, DAY_SECONDS // step_s, axis=1)[:, :steps]
    errors: np.ndarray = levels[:, None] * np.exp(per_step) * rng.lognormal(0.0, 0.2,
                                                                           (count, steps))
    return errors


def apply_incidents(errors: np.ndarray, incidents: list[BurstyIncident]) -> None:
    for incident in incidents:
        length = incident.end - incident.start
        shape = np.linspace(1 / length, 1.0, length) if incident.ramp else np.ones(length)
        for service, severity in zip(incident.services, incident.severities, strict=True):
            window = errors[service, incident.start:incident.end]
            errors[service, incident.start:incident.end] = np.maximum(window, severity * shape)
    np.clip(errors, 0.0, 1.0, out=errors)


def _propagated(edges: list[SimulatedEdge], quiet: set[int]) -> list[SimulatedEdge]:
    """Edges into quiet services carry too few requests to fail their callers."""
    return [replace(e, hard_sync=False) if e.target in quiet else e for e in edges]


def _profiles(count: int, times: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A diurnal cycle per service (its own phase and depth), quieter at weekends."""
    hours = (times % DAY_SECONDS) / 3600
    weekend = ((times // DAY_SECONDS + 3) % 7) >= 5  # 1970-01-01 was a Thursday
    phase = rng.uniform(6, 12, count)[:, None]
    depth = rng.uniform(0.3, 0.7, count)[:, None]
    daily = 1 + depth * np.sin(2 * np.pi * (hours[None, :] - phase) / 24)
    profile: np.ndarray = daily * np.where(weekend, 0.7, 1.0)[None, :]
    return profile


def _traffic(kinds: dict[str, str], services: list[str], edges: list[SimulatedEdge],
             quiet: set[int], times: np.ndarray, step_s: int, rng: np.random.Generator
             ) -> np.ndarray:
    """Requests per step: own traffic (lognormal, median 10/s; quiet: 0.01-0.1/s) plus what
    callers send (every request of theirs, or 0.1-1% of them into a quiet service)."""
    count = len(services)
    own = np.where([kinds[s] == "internal" for s in services],
                   rng.lognormal(np.log(10.0), 1.0, count), 0.0)
    own[sorted(quiet)] = rng.uniform(0.01, 0.1, len(quiet))
    base = own[:, None] * _profiles(count, times, rng)
    callers: dict[int, list[tuple[int, float]]] = {}
    for e in edges:
        share = float(rng.uniform(0.001, 0.01)) if e.target in quiet else 1.0
        callers.setdefault(e.target, []).append((e.source, share))
    rate = np.zeros_like(base)
    for component in reversed(dependency_order(edges, count, lambda _: True)):
        for i in component:  # callers first: a callee serves what its callers send
            rate[i] = base[i] + sum((share * rate[c] for c, share in callers.get(i, ())),
                                    np.zeros(len(times)))
    rate = np.maximum(rate, 0.005)
    requests: np.ndarray = rng.poisson(rate * step_s * rng.lognormal(0.0, 0.05, rate.shape))
    return requests.astype(float)


def _events(incidents: list[BurstyIncident], services: list[str], times: np.ndarray,
            step_s: int) -> list[FleetEvent]:
    return [FleetEvent("incident", services[s], int(times[i.start]),
                       int(times[i.end - 1]) + step_s, severity)
            for i in incidents for s, severity in zip(i.services, i.severities, strict=True)]
