"""Latency under more traffic or other replicas (issue 19 item 2): an M/M/c queue.

Stated assumptions (returned with every answer):
- Poisson arrivals at the busiest hour's observed rate x the multiplier;
- exponential service times whose mean is the observed median latency (the queueing
  wait at the observed load is taken as small against it);
- c identical servers: the replicas x the concurrent requests each serves, the latter
  inferred by Little's law from the observed load at the stated peak utilisation;
- a percentile's latency is the observed one with the queueing wait at that percentile
  replaced by the projected one (Erlang C: P(wait > t) = C e^{-(c mu - lambda) t});
- errors unchanged until saturation (utilisation >= 1), where the queue grows without
  bound and no latency or error ratio is projected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ASSUMPTIONS = (
    "M/M/c queue: Poisson arrivals at the busiest hour's observed rate x the multiplier",
    "exponential service times with the observed median latency as their mean",
    "servers = replicas x concurrent requests per replica, the latter from Little's law "
    "at the observed peak and the stated peak utilisation",
    "a percentile's projected latency = observed latency - its queueing wait at the "
    "observed load + its queueing wait at the projected load (Erlang C)",
    "error ratio unchanged until saturation; none projected at utilisation >= 1",
)


@dataclass(frozen=True)
class Queue:
    arrival_rps: float
    service_time_s: float
    servers: int

    @property
    def utilisation(self) -> float:
        return self.arrival_rps * self.service_time_s / self.servers

    def wait_at(self, quantile: float) -> float | None:
        """Seconds waited in the queue at this quantile; None when saturated."""
        if self.utilisation >= 1.0:
            return None
        waiting = erlang_c(self.servers, self.arrival_rps * self.service_time_s)
        tail = 1.0 - quantile
        if waiting <= tail:
            return 0.0
        drain = self.servers / self.service_time_s - self.arrival_rps
        return math.log(waiting / tail) / drain


@dataclass(frozen=True)
class CapacityProjection:
    current: Queue
    projected: Queue
    latency_s: dict[float, tuple[float, float | None]]  # quantile: observed, projected

    @property
    def saturated(self) -> bool:
        return self.projected.utilisation >= 1.0


def erlang_c(servers: int, offered_load: float) -> float:
    """P(an arrival waits) in M/M/c, from Erlang B's stable recursion."""
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered_load * blocking / (k + offered_load * blocking)
    utilisation = offered_load / servers
    return blocking / (1.0 - utilisation * (1.0 - blocking))


def servers_per_replica(peak_rps: float, service_time_s: float, replicas: int,
                        peak_utilisation: float) -> int:
    """Concurrent requests a replica serves: the observed busy servers (Little's law)
    over the replicas, at the stated peak utilisation; at least one."""
    busy = peak_rps * service_time_s / peak_utilisation
    return max(1, math.ceil(busy / replicas))


def project(peak_rps: float, service_time_s: float, observed_latency_s: dict[float, float],
            replicas: int, new_replicas: int, multiplier: float, peak_utilisation: float
            ) -> CapacityProjection:
    per_replica = servers_per_replica(peak_rps, service_time_s, replicas, peak_utilisation)
    current = Queue(peak_rps, service_time_s, per_replica * replicas)
    projected = Queue(peak_rps * multiplier, service_time_s, per_replica * new_replicas)
    latency: dict[float, tuple[float, float | None]] = {}
    for quantile, observed in sorted(observed_latency_s.items()):
        before, after = current.wait_at(quantile), projected.wait_at(quantile)
        latency[quantile] = (observed, None if after is None
                             else max(observed - (before or 0.0), 0.0) + after)
    return CapacityProjection(current, projected, latency)
