"""The ports onto runtime telemetry (the metrics store) and the cluster: what the
history-bound use cases read; adapters implement them."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from slo_engine.domain.cluster_declarations import ClusterState
from slo_engine.domain.drift import SliDeviation
from slo_engine.domain.edge_discovery import ObservedEdge
from slo_engine.domain.prometheus_rate import RawSeries
from slo_engine.domain.sli_aggregates import WindowCounts


class Telemetry(Protocol):
    """Knows how to read a service's SLI history from the metrics store (async)."""

    def retry_after_s(self) -> float:
        """Seconds until the store is worth asking again (0: now)."""
        ...

    def step_for(self, range_s: int, preferred_step_s: int) -> int:
        """The finest step, no finer than preferred, the store serves for that range."""
        ...

    async def request_counts(
        self, service_id: str, start_s: int, end_s: int, step_s: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(total, failed) requests in each step ending at start, start+step, ... end."""
        ...

    async def request_counts_of_services(
        self, service_ids: list[str], start_s: int, end_s: int, step_s: int
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """request_counts for every one of these services that has any (batched)."""
        ...

    async def latency_histogram(
        self, service_id: str, start_s: int, end_s: int, window_s: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The service's own end-to-end latency histogram per window: (upper bounds in
        seconds ascending, cumulative counts [bucket, window])."""
        ...

    async def availabilities(self, service_ids: list[str], start_s: int, end_s: int
                             ) -> dict[str, float | None]:
        """Good requests over all requests in the range, per service; None without traffic."""
        ...

    async def window_counts(self, service_ids: list[str], window_s: int, end_s: int
                            ) -> dict[str, WindowCounts]:
        """Requests, failures and latency buckets over the window ending at end_s, for
        every service that has any (a few fleet-wide queries, not one per service)."""
        ...

    async def day_on_day_deviation(self, service_ids: list[str], start_s: int, end_s: int,
                                   step_s: int, period_s: int, baseline_half_width_steps: int
                                   ) -> dict[str, SliDeviation]:
        """Per step from start to end, for every service that has any (batched queries):
        its p99 (log) minus the median p99 (log) of the steps within the half width of the
        same step one period earlier, and its error ratio minus the ratio one period
        earlier."""
        ...

    async def throttled_ratio(self, service_id: str, start_s: int, end_s: int) -> float | None:
        """CPU seconds throttled per second over the range: the noisy-neighbour signal."""
        ...

    async def ready(self) -> None: ...


class RangeQueries(Protocol):
    """Knows how to evaluate any PromQL expression over a time range, one value per step
    (not part of Telemetry: its in-memory fake cannot evaluate PromQL)."""

    async def range_values(self, expr: str, start_s: int, end_s: int, step_s: int
                           ) -> tuple[np.ndarray, np.ndarray]:
        """(timestamps start, start + step, ... <= end; the expression's value at each,
        NaN where it returned nothing). The expression must return at most one series.
        Raises DependencyUnavailable when the store does not answer."""
        ...


class RawSamples(Protocol):
    """Knows how to read the stored samples of every series a selector matches (what a
    dry run computes `rate` from, instead of asking the store to evaluate it)."""

    async def raw_series(self, selector: str, start_s: int, end_s: int) -> list[RawSeries]:
        """Every series matching the selector that has samples in [start, end] (epoch
        seconds), with those samples; none when nothing matches. Raises
        DependencyUnavailable when the store does not answer, TelemetryQueryRejected when
        it refuses the selector."""
        ...


class EdgeTelemetry(Protocol):
    """Knows how to read which services called which, and how much, from runtime
    telemetry: trace service graphs (source otel_service_graph) and a service mesh
    (source service_mesh)."""

    async def observed_edges(self, window_s: int, end_s: int) -> list[ObservedEdge]:
        """Every (source, client, server) with requests in the window ending at end_s.
        Raises DependencyUnavailable when the store does not answer."""
        ...


class ClusterCatalogue(Protocol):
    """Knows how to read what a Kubernetes cluster declares: its namespaces, Services,
    Deployments and the ConfigMaps labelled as dependency declarations (source
    kubernetes), within the configured namespaces and label selector."""

    async def cluster_state(self) -> ClusterState:
        """One consistent read of every object, all pages. Raises DependencyUnavailable,
        with the reason, when the API server does not answer or refuses a list (403)."""
        ...
