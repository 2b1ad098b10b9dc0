"""The forecast of a service's next SLO period, with the prior it pools with, and the
daily job that fits those priors over the whole fleet.

Priors are per class of services: the services of one criticality when at least
`MIN_CLASS_SERVICES` of them have history, and the whole fleet always; a service takes
its class's prior, else the fleet's, else (before the first fit) the default one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from slo_engine.application.graph_snapshot import SnapshotHolder
from slo_engine.application.ports import Clock, ForecastPriorStore, StoredPriors
from slo_engine.application.telemetry_ports import Telemetry
from slo_engine.domain.availability_forecast import AvailabilityForecast, forecast_availability
from slo_engine.domain.errors import DependencyUnavailable
from slo_engine.domain.fleet_prior import DEFAULT_PRIOR, FleetPrior, fleet_prior
from slo_engine.domain.incident_history import ServiceFit, fit_service
from slo_engine.domain.time_units import DAY_SECONDS
from slo_engine.policy.recommendation_policy import RecommendationPolicy

log = logging.getLogger(__name__)
FLEET = "fleet"
DEFAULT_SOURCE = "default"  # the prior_source of a forecast before any prior is fitted
MIN_CLASS_SERVICES = 30
FIT_CHUNK_SERVICES = 200  # services whose 90 days of counts are held at once
COUNT_STEP_SECONDS = 900


@dataclass(frozen=True)
class ServiceForecast:
    forecast: AvailabilityForecast
    fit: ServiceFit
    prior_source: str  # "fleet", "criticality:<c>" or "default"
    history_start_s: int
    history_end_s: int


class ForecastPriors:
    """Knows which prior a service's forecast pools with; reads the store at most every
    `refresh_seconds` (a request must not pay a graph query for it)."""

    def __init__(self, store: ForecastPriorStore, refresh_seconds: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._refresh_seconds = refresh_seconds
        self._monotonic = monotonic
        self._loaded: tuple[float, StoredPriors] | None = None
        self._lock = threading.Lock()

    def prior_for(self, criticality: str | None) -> tuple[FleetPrior, str]:
        priors = self._priors().by_class
        for name in (f"criticality:{criticality}", FLEET):
            if name in priors:
                return priors[name], name
        return DEFAULT_PRIOR, DEFAULT_SOURCE

    def fitted(self) -> bool:
        """Whether any prior is stored (as last read; may read the store)."""
        return bool(self._priors().by_class)

    def known_fitted(self) -> bool | None:
        """`fitted()` without reading the store: None when the last read is stale."""
        current = self._fresh()
        return None if current is None else bool(current.by_class)

    def forget(self) -> None:
        """Read the store again on the next call (after a new fit in this process)."""
        with self._lock:
            self._loaded = None

    def _priors(self) -> StoredPriors:
        """A store that fails keeps the priors read last (tried again after a refresh
        period); with none read yet, the default prior is used."""
        with self._lock:
            if (current := self._fresh()) is not None:
                return current
            try:
                priors = self._store.priors()
            except DependencyUnavailable as error:
                log.warning("forecast priors not read, keeping the last: %s", error)
                priors = self._loaded[1] if self._loaded else StoredPriors({}, None)
            self._loaded = (self._monotonic() + self._refresh_seconds, priors)
            return priors

    def _fresh(self) -> StoredPriors | None:
        """The priors read last, None once the refresh period has passed."""
        loaded = self._loaded
        return None if loaded is None or self._monotonic() > loaded[0] else loaded[1]


def forecast_service(service_id: str, criticality: str | None, total: np.ndarray,
                     failed: np.ndarray, step_s: int, start_s: int, end_s: int,
                     period_days: int, policy: RecommendationPolicy, priors: ForecastPriors
                     ) -> ServiceForecast:
    """The next `period_days`-day period's forecast. Seeded by the service id, so the same
    history always gives the same tiers; the history window reported starts where the
    data does."""
    fit = fit_service(total, failed, step_s, policy.incident_detection)
    present = np.flatnonzero(~np.isnan(np.asarray(total, dtype=float)))
    start_s += int(present[0]) * step_s if present.size else 0
    prior, source = priors.prior_for(criticality)
    seed = int.from_bytes(hashlib.sha256(service_id.encode()).digest()[:4], "little")
    forecast = forecast_availability(fit, prior, period_days, policy.forecast, seed)
    return ServiceForecast(forecast, fit, source, start_s, end_s)


def prior_classes(fits: Mapping[str, ServiceFit], criticality_of: Mapping[str, str | None]
                  ) -> dict[str, list[ServiceFit]]:
    """The fleet, and each criticality with enough services to pool on its own."""
    classes: dict[str, list[ServiceFit]] = {FLEET: list(fits.values())}
    by_criticality: dict[str, list[ServiceFit]] = {}
    for service_id, fit in fits.items():
        if (criticality := criticality_of.get(service_id)) is not None:
            by_criticality.setdefault(f"criticality:{criticality}", []).append(fit)
    classes.update({name: members for name, members in by_criticality.items()
                    if len(members) >= MIN_CLASS_SERVICES})
    return classes


class FitForecastPriors:
    """The daily job: every service's last `history_days` of counts, fitted one chunk at
    a time, pooled per class, stored."""

    def __init__(self, telemetry: Telemetry, snapshots: SnapshotHolder,
                 store: ForecastPriorStore, clock: Clock, policy: RecommendationPolicy,
                 priors: ForecastPriors) -> None:
        self._telemetry = telemetry
        self._snapshots = snapshots
        self._store = store
        self._clock = clock
        self._policy = policy
        self._priors = priors

    def _fit(self, counts: Mapping[str, tuple[np.ndarray, np.ndarray]], step_s: int
             ) -> dict[str, ServiceFit]:
        return {service_id: fit_service(total, failed, step_s, self._policy.incident_detection)
                for service_id, (total, failed) in counts.items() if np.nansum(total) > 0}

    async def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        snapshot = await asyncio.to_thread(self._snapshots.current)
        service_ids = sorted(snapshot.services)
        end = self._clock.now_ms() // 1000 // COUNT_STEP_SECONDS * COUNT_STEP_SECONDS
        start = end - self._policy.forecast_history_days * DAY_SECONDS
        step = self._telemetry.step_for(end - start, COUNT_STEP_SECONDS)
        fits: dict[str, ServiceFit] = {}
        for k in range(0, len(service_ids), FIT_CHUNK_SERVICES):
            counts = await self._telemetry.request_counts_of_services(
                service_ids[k:k + FIT_CHUNK_SERVICES], start, end, step)
            fits.update(await asyncio.to_thread(self._fit, counts, step))
        criticality = {s: row.get("criticality") for s, row in snapshot.services.items()}
        classes = prior_classes(fits, criticality) if fits else {}
        # Off the event loop: the API process runs this too (prior_bootstrap.py), and the
        # rate prior's EM over thousands of services takes a while.
        priors = await asyncio.to_thread(
            lambda: {name: fleet_prior(members) for name, members in classes.items()})
        if priors:
            await asyncio.to_thread(self._store.store_priors, priors, self._clock.now_ms())
            self._priors.forget()
        return {"services_fitted": len(fits),
                "classes": {name: prior.services for name, prior in priors.items()},
                "episodes": int(sum(fit.episodes for fit in fits.values())),
                "seconds": round(time.perf_counter() - started, 2)}
