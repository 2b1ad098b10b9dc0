"""A simulated fleet whose telemetry is consistent with its dependency graph.

Per 5-minute step and service: requests (diurnal and weekly, flowing from callers to
callees), failed requests (own baseline errors and incidents, plus failures of hard
synchronous dependencies: a redundancy group fails only when all its members do), the
median of end-to-end latency (own work, slowed by load and by deploy regressions, plus
every synchronous call made), and CPU throttling. Everything is drawn from one seeded
generator, and the incidents and regressions are returned as ground truth.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from slo_engine.domain.cycles import strongly_connected_components
from slo_engine.domain.time_units import DAY_SECONDS


@dataclass(frozen=True)
class FleetEvent:
    kind: str  # "incident" | "regression"
    service: str
    start_s: int
    end_s: int
    magnitude: float  # incident: own error ratio; regression: latency factor


@dataclass
class FleetHistory:
    start_s: int
    step_s: int
    services: list[str]
    requests: np.ndarray  # (services, steps), integer-valued
    failures: np.ndarray  # (services, steps), integer-valued
    latency_median_s: np.ndarray  # (services, steps)
    latency_sigma: np.ndarray  # (services,)
    throttled_s: np.ndarray  # (services, steps)
    failure_ratio: np.ndarray  # (services, steps): the expected share failing, ground truth
    events: list[FleetEvent] = field(default_factory=list)
    edges: list[SimulatedEdge] = field(default_factory=list)  # what the traffic flowed on
    kinds: dict[str, str] = field(default_factory=dict)  # internal | datastore | external

    @property
    def steps(self) -> int:
        return int(self.requests.shape[1])

    def index(self, service: str) -> int:
        return self.services.index(service)

    def last(self, steps: int) -> FleetHistory:
        """Its last `steps` steps and the events that reach into them, as copies (so a
        long history can be freed once its tail is taken)."""
        if not 0 < steps <= self.steps:
            raise ValueError(f"a history of {self.steps} steps has no last {steps}")
        start_s = self.start_s + (self.steps - steps) * self.step_s

        def tail(values: np.ndarray) -> np.ndarray:
            return values[:, -steps:].copy()

        return FleetHistory(
            start_s, self.step_s, list(self.services), tail(self.requests),
            tail(self.failures), tail(self.latency_median_s), self.latency_sigma.copy(),
            tail(self.throttled_s), tail(self.failure_ratio),
            events=[e for e in self.events if e.end_s > start_s],
            edges=list(self.edges), kinds=dict(self.kinds))


@dataclass(frozen=True)
class SimulatedEdge:
    source: int
    target: int
    hard_sync: bool
    sync: bool
    group: str | None


def simulate_fleet(topology: dict[str, Any], days: int, end_s: int, step_s: int = 300,
                   seed: int = 7, unreliable_external: str | None = None) -> FleetHistory:
    rng = np.random.default_rng(seed)
    services, kinds, edges, times = fleet_frame(topology, days, end_s, step_s)
    unreliable = unreliable_external or _first_external(services, kinds)
    events: list[FleetEvent] = []
    own_errors = _own_error_ratios(services, times, step_s, rng, unreliable, events)
    failure_ratio = propagate_failures(own_errors, edges, len(services))
    requests = _traffic(services, kinds, edges, times, step_s, rng)
    return fleet_history(FleetDraws(services, kinds, edges, times, requests, own_errors,
                                    failure_ratio, events), step_s, rng)


@dataclass(frozen=True)
class FleetDraws:
    """What a generator drew before failures, latency and throttling follow from it."""

    services: list[str]
    kinds: dict[str, str]
    edges: list[SimulatedEdge]
    times: np.ndarray
    requests: np.ndarray
    own_errors: np.ndarray
    failure_ratio: np.ndarray
    events: list[FleetEvent]


def fleet_history(draws: FleetDraws, step_s: int, rng: np.random.Generator) -> FleetHistory:
    """Failed requests, end-to-end latency and CPU throttling, the same for every
    generator: only how errors and traffic arise differs between them."""
    requests, services = draws.requests, draws.services
    failures = rng.binomial(requests.astype(np.int64), np.clip(draws.failure_ratio, 0, 1))
    own_work = own_latency(services, draws.kinds, draws.times, step_s, requests,
                           draws.own_errors, rng, draws.events)
    latency = end_to_end_latency(own_work, draws.edges, len(services))
    sigma = rng.uniform(0.3, 0.6, len(services))
    load = requests / np.maximum(requests.mean(axis=1, keepdims=True), 1.0)
    throttled = np.clip(load - 1.2, 0.0, None) * step_s * 0.05
    return FleetHistory(int(draws.times[0]), step_s, services, requests.astype(float),
                        failures.astype(float), latency, sigma, throttled,
                        draws.failure_ratio, draws.events, draws.edges, draws.kinds)


def fleet_frame(topology: dict[str, Any], days: int, end_s: int, step_s: int
                ) -> tuple[list[str], dict[str, str], list[SimulatedEdge], np.ndarray]:
    """What every generator starts from: the services and their kinds, the edges by
    position, and the step times ending at end_s."""
    services, kinds = fleet_services(topology)
    position = {s: i for i, s in enumerate(services)}
    edges = [simulated_edge(e, position) for e in topology.get("edges", [])]
    steps = days * DAY_SECONDS // step_s
    return services, kinds, edges, end_s - (steps - 1) * step_s + step_s * np.arange(steps)


def fleet_services(topology: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    kinds: dict[str, str] = {}
    for node in topology.get("nodes", []):
        metadata = node.get("metadata", {})
        kinds[node["service_id"]] = ("external" if metadata.get("service_type") == "external"
                                     else "datastore" if "engine" in metadata else "internal")
    for edge in topology.get("edges", []):
        for end in (edge["source"], edge["target"]):
            kinds.setdefault(end, "internal")
    return sorted(kinds), kinds


def simulated_edge(edge: dict[str, Any], position: dict[str, int]) -> SimulatedEdge:
    attributes = edge.get("attributes", {})
    sync = attributes.get("communication_mode", "sync") == "sync"
    hard = attributes.get("criticality", "hard") == "hard"
    return SimulatedEdge(position[edge["source"]], position[edge["target"]], sync and hard, sync,
                 attributes.get("redundancy_group"))


def _first_external(services: list[str], kinds: dict[str, str]) -> str | None:
    return next((s for s in services if kinds[s] == "external"), None)


def _episodes(rng: np.random.Generator, steps: int, per_day: float, step_s: int,
              mean_minutes: float) -> list[tuple[int, int]]:
    count = rng.poisson(per_day * steps * step_s / DAY_SECONDS)
    starts = rng.integers(0, steps, count)
    lengths = 1 + rng.geometric(step_s / (mean_minutes * 60), count)
    return [(int(s), int(min(steps, s + n))) for s, n in zip(starts, lengths, strict=True)]


def _own_error_ratios(services: list[str], times: np.ndarray, step_s: int,
                      rng: np.random.Generator, unreliable: str | None,
                      events: list[FleetEvent]) -> np.ndarray:
    steps = len(times)
    errors = np.empty((len(services), steps))
    for i, service in enumerate(services):
        baseline = 10 ** rng.uniform(-5.0, -3.7)
        errors[i] = baseline * rng.lognormal(0.0, 0.3, steps)
        # About one incident a month, mostly partial; the unreliable API every few days.
        per_day = 0.25 if service == unreliable else 1 / 30
        for start, end in _episodes(rng, steps, per_day, step_s, mean_minutes=15):
            severity = 1.0 if rng.random() < 0.2 else float(rng.uniform(0.02, 0.3))
            errors[i, start:end] = np.maximum(errors[i, start:end], severity)
            events.append(FleetEvent("incident", service, int(times[start]),
                                     int(times[end - 1]) + step_s, severity))
    return np.clip(errors, 0.0, 1.0)


def dependency_order(edges: list[SimulatedEdge], count: int,
                      include: Callable[[SimulatedEdge], bool]) -> list[list[int]]:
    """Components with dependencies before their callers (Tarjan's order)."""
    adjacency: dict[str, list[str]] = {str(i): [] for i in range(count)}
    for e in edges:
        if include(e):
            adjacency[str(e.source)].append(str(e.target))
    return [[int(i) for i in c] for c in strongly_connected_components(adjacency)]


def propagate_failures(own: np.ndarray, edges: list[SimulatedEdge], count: int) -> np.ndarray:
    """Each request calls every hard sync dependency (one member of a redundancy group
    suffices), so a caller's failure ratio is 1 - (1 - own) * prod over its groups of
    (1 - prod of member failure ratios)."""
    groups: dict[int, dict[str, list[int]]] = {}
    for e in edges:
        if e.hard_sync:
            key = e.group or f"serial:{e.target}"
            groups.setdefault(e.source, {}).setdefault(key, []).append(e.target)
    failure = own.copy()
    for component in dependency_order(edges, count, lambda e: e.hard_sync):
        # A cycle is all-must-be-up (ARCHITECTURE.md): its members share one outcome.
        inside = set(component)
        ok = np.prod([1.0 - own[i] for i in component], axis=0)
        for i in component:
            for members in groups.get(i, {}).values():
                outside = [failure[j] for j in members if j not in inside]
                if len(outside) == len(members):
                    ok = ok * (1.0 - np.prod(outside, axis=0))
        for i in component:
            failure[i] = 1.0 - ok
    return failure


def _traffic(services: list[str], kinds: dict[str, str], edges: list[SimulatedEdge],
             times: np.ndarray, step_s: int, rng: np.random.Generator) -> np.ndarray:
    hours = (times % DAY_SECONDS) / 3600
    weekday = (times // DAY_SECONDS + 3) % 7  # 1970-01-01 was a Thursday
    profile = (1 + 0.5 * np.sin(2 * np.pi * (hours - 8) / 24)) * np.where(weekday >= 5, 0.75, 1)
    callers: dict[int, list[int]] = {}
    for e in edges:
        callers.setdefault(e.target, []).append(e.source)
    rate = np.zeros(len(services))
    for component in reversed(dependency_order(edges, len(services), lambda _: True)):
        for i in component:  # callers first: a callee serves what its callers send
            own = rng.uniform(5, 60) if kinds[services[i]] == "internal" else 0.0
            rate[i] = own + sum(rate[c] for c in callers.get(i, ()))
    rate = np.maximum(rate, 1.0)
    noise = rng.lognormal(0.0, 0.05, (len(services), len(times)))
    expected = rate[:, None] * profile[None, :] * noise * step_s
    return rng.poisson(expected).astype(float)


def own_latency(services: list[str], kinds: dict[str, str], times: np.ndarray, step_s: int,
                 requests: np.ndarray, own_errors: np.ndarray, rng: np.random.Generator,
                 events: list[FleetEvent]) -> np.ndarray:
    ranges = {"internal": (0.002, 0.02), "datastore": (0.0005, 0.004), "external": (0.04, 0.15)}
    load = requests / np.maximum(requests.mean(axis=1, keepdims=True), 1.0)
    latency = np.empty_like(requests)
    for i, service in enumerate(services):
        low, high = ranges[kinds[service]]
        base = rng.uniform(low, high) * (1 + 0.2 * (load[i] - 1))
        if kinds[service] == "internal":
            base = base * _regressions(service, times, step_s, rng, events)
        latency[i] = np.where(own_errors[i] > 0.05, base * 1.5, base)  # incidents slow too
    return latency


def _regressions(service: str, times: np.ndarray, step_s: int, rng: np.random.Generator,
                 events: list[FleetEvent]) -> np.ndarray:
    """Deploys every ~3 days; one in eight slows the service until the next deploy."""
    factor = np.ones(len(times))
    deploy_count = rng.poisson(len(times) * step_s / (3 * DAY_SECONDS))
    deploys = np.sort(rng.integers(0, len(times), deploy_count))
    for start, end in itertools.pairwise([*deploys.tolist(), len(times)]):
        if rng.random() < 1 / 8 and end > start:
            slowdown = float(rng.uniform(1.2, 1.8))
            factor[start:end] = slowdown
            events.append(FleetEvent("regression", service, int(times[start]),
                                     int(times[end - 1]) + step_s, slowdown))
    return factor


def end_to_end_latency(own: np.ndarray, edges: list[SimulatedEdge], count: int) -> np.ndarray:
    """Own work plus every synchronous call (sequential calls: their times add)."""
    calls: dict[int, list[int]] = {}
    for e in edges:
        if e.sync:
            calls.setdefault(e.source, []).append(e.target)
    total = own.copy()
    for component in dependency_order(edges, count, lambda e: e.sync):
        for i in component:
            total[i] = own[i] + sum((total[j] for j in calls.get(i, ()) if j not in component),
                                    np.zeros(own.shape[1]))
    return total
