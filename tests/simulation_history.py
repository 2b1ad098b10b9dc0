"""The hand-computed history the simulation tests read, through the Telemetry fake and a
real Prometheus alike (tests/unit/test_simulate_slo_on_fakes.py works its numbers out).

checkout serves 100 requests every 5 minutes for the 35 days to Monday 2024-01-15
00:00 UTC; 90% within 100 ms, 99% within 250 ms. In the last two weeks (from Monday
2024-01-01, 4,032 steps) it fails every request for 20 steps from step 936, 10 from 2160
and 25 from 3600. newbie has 3 days of 10 requests a step, plain 14 days, neither a
histogram. deployed has 14 days of 100 requests a step, 99% within 250 ms; before its
deploy at DEPLOY_AT none fail and 90% are within 100 ms, after it one a step fails and
half are within 100 ms; its generation gauge moves from 1 to 2 at the deploy.
"""

from __future__ import annotations

import math

import numpy as np

from tests.fakes_telemetry import ServiceSeries

END = 1_705_276_800  # Monday 2024-01-15 00:00 UTC
STEP = 300
WEEKS_START = END - 14 * 86_400
HISTORY_DAYS = 35
OUTAGES = ((936, 20), (2160, 10), (3600, 25))  # (first step, steps) in the last two weeks
DEPLOY_AT = END - 7 * 86_400  # Monday 2024-01-08 00:00 UTC
GENERATION = 'kube_deployment_status_observed_generation{deployment="deployed"}'


def checkout_series() -> ServiceSeries:
    steps = HISTORY_DAYS * 288
    requests = np.full(steps, 100.0)
    failures = np.zeros(steps)
    offset = steps - 4032
    for first, length in OUTAGES:
        failures[offset + first:offset + first + length] = 100.0
    shares = {0.1: 0.9, 0.25: 0.99, math.inf: 1.0}
    return ServiceSeries.counting(END - steps * STEP, STEP, requests, failures,
                                  {le: requests * share for le, share in shares.items()})


def plain_series(days: int) -> ServiceSeries:
    """10 requests every 5 minutes for `days` days, none failing, no histogram."""
    steps = days * 288
    return ServiceSeries.counting(END - steps * STEP, STEP, np.full(steps, 10.0))


def deployed_series() -> ServiceSeries:
    steps = 14 * 288
    requests = np.full(steps, 100.0)
    after = np.arange(steps) >= 7 * 288  # steps ending after DEPLOY_AT
    return ServiceSeries.counting(
        END - steps * STEP, STEP, requests, np.where(after, 1.0, 0.0),
        {0.1: np.where(after, 50.0, 90.0), 0.25: requests * 0.99, math.inf: requests})


def generation_openmetrics() -> str:
    """The deployed service's generation every 5 minutes: 1 before DEPLOY_AT, 2 from it."""
    stamps = range(END - 14 * 86_400, END + 1, STEP)
    lines = ["# TYPE kube_deployment_status_observed_generation gauge"]
    lines += [f"{GENERATION} {1 if t < DEPLOY_AT else 2} {t}" for t in stamps]
    return "\n".join([*lines, "# EOF", ""])


def simulation_series() -> dict[str, ServiceSeries]:
    return {"checkout": checkout_series(), "newbie": plain_series(3),
            "plain": plain_series(14), "deployed": deployed_series()}


def at(step: int) -> int:
    """The end of a step of the last two weeks (epoch seconds)."""
    return WEEKS_START + step * STEP
