"""The fleet's forecast priors fitted on first need, when none is stored yet.

The priors are fitted by a daily job that the scheduler also runs at its start. A fleet
whose graph is ingested, or whose history is backfilled, after that start (a new
deployment, an evaluation harness) would otherwise be forecast with the weak default
prior until the next day, and every answer in between cached: on the bursty generator's
tuning seeds (1-8, 60 days of history) the default prior's balanced tier breached 9.7%
of months where it stated 3.6%; the fleet's fitted prior, 4.9% against 3.9%. So the
first recommendation that finds no stored prior fits the fleet's priors in this process
(the same use case the job runs), once for every caller that arrives meanwhile, and
waits for it at most `wait_seconds`, outside the metrics store's per-request deadline:
the fit reads the whole fleet's history, which one request's queries are not budgeted
for. Past the wait, the answer uses the default prior and says so (`prior_source`);
the fit goes on and the next request uses it. A fit that stored nothing (no service
has traffic yet) or failed is tried again after `retry_seconds`. With the metrics
store known down (its breaker open) the recommendation does not wait at all
(serve_recommendation.py): it goes straight to its stale answer, within its deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from slo_engine.application.availability_forecasts import ForecastPriors

log = logging.getLogger(__name__)
Fit = Callable[[], Coroutine[Any, Any, dict[str, Any]]]  # FitForecastPriors.run


class PriorBootstrap:
    def __init__(self, fit: Fit, priors: ForecastPriors,
                 wait_seconds: float, retry_seconds: float = 300.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._fit = fit
        self._priors = priors
        self._wait_seconds = wait_seconds
        self._retry_seconds = retry_seconds
        self._monotonic = monotonic
        self._task: asyncio.Task[dict[str, Any]] | None = None
        self._retry_at = 0.0
        self._deadline = 0.0  # when callers stop waiting for the fit in flight

    async def wait_for_priors(self) -> None:
        """Returns at once when priors are stored; else starts (or joins) the fit and
        waits for it until `wait_seconds` after it started (a request arriving later
        waits only what is left, none once that has passed)."""
        if self._priors.known_fitted():  # the hot path: no thread hop, no store read
            return
        task = self._in_flight()
        if task is None:
            # Read the store (once) before fitting the whole fleet: the scheduler's job
            # or another replica may have stored priors since the last read.
            if self._monotonic() < self._retry_at or await self._stored():
                return
            task = self._in_flight() or self._start()  # another caller's, started meanwhile
        left = self._deadline - self._monotonic()
        # Past the wait (TimeoutError) or failed (logged by _finished): the default prior.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(task), max(left, 0.0))

    async def _stored(self) -> bool:
        """Whether priors are stored, read from the store now; an unreadable store counts
        as stored (nothing to wait for: a fit could not store them either)."""
        self._priors.forget()
        try:
            return await asyncio.to_thread(self._priors.fitted)
        except Exception as error:  # the store's own failure; the forecast will meet it
            log.warning("forecast priors not read: %s", error)
            return True

    def _in_flight(self) -> asyncio.Task[dict[str, Any]] | None:
        """The fit running on this event loop (a task of another loop, say a worker's
        earlier job, is not awaited)."""
        task = self._task
        if task is not None and not task.done() \
                and task.get_loop() is asyncio.get_running_loop():
            return task
        return None

    def _start(self) -> asyncio.Task[dict[str, Any]]:
        self._deadline = self._monotonic() + self._wait_seconds
        self._task = asyncio.get_running_loop().create_task(self._fit())
        self._task.add_done_callback(self._finished)
        return self._task

    def _finished(self, task: asyncio.Task[dict[str, Any]]) -> None:
        if task.cancelled():  # its loop closed under it: the next caller starts again
            return
        self._retry_at = self._monotonic() + self._retry_seconds
        if (error := task.exception()) is not None:
            log.warning("fitting the forecast priors on first need failed: %s", error)
            return
        log.info("forecast priors fitted on first need: %s", task.result())
