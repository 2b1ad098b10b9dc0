"""How long a simulation is expected to take, before it runs: the API runs one it expects
to take longer than a threshold (a setting) as a background job instead of holding the
request open.

    seconds = FIXED
            + READ_PER_POINT x history points                (request counts, per step)
            + HISTOGRAM_PER_HOUR x window hours              (one hourly histogram read
                                                              when a latency target is asked)
            + BACKTEST_PER_STEP x history steps x SLIs      (every rolling period judged
                                                              at every step)
            + MONTE_CARLO_PER_DRAW_DAY x iterations x period days x SLIs
            + DEPLOY                                         (a deploy what-if: one hourly
                                                              read and its bootstrap)
            + DEPENDENCIES                                   (a dependency what-if)

The coefficients were measured on this project's machine kind (2 cores) against a local
Prometheus holding 120 days of 5-minute simulated history (`POST .../slos/simulate`,
medians of 3): 120 days without latency 0.08-0.10 s, with a p99 target 0.29-0.41 s; 30
days 0.04 / 0.07 s; 7 days 0.02 s; 1,000 or 10,000 iterations made no visible
difference (the Monte Carlo of a 30-day period is 5-10 ms at 10,000 draws in process).
A slower metrics store (Mimir across a network) takes longer per point: lower the
threshold there. Pure arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

FIXED_SECONDS = 0.02
READ_SECONDS_PER_POINT = 8e-6  # 0.07 s for the 8,640 points of 120 days at 20 minutes
HISTOGRAM_SECONDS_PER_HOUR = 1e-4  # 0.27 s for 120 days of an hourly 12-bucket histogram
BACKTEST_SECONDS_PER_STEP = 4e-8  # 3.8 ms for 365 days at 5 minutes, in process
MONTE_CARLO_SECONDS_PER_DRAW_DAY = 3e-8  # 7 ms for 10,000 draws of a 30-day period
DEPLOY_SECONDS = 0.05
DEPENDENCIES_SECONDS = 0.3  # the what-if bench's p95 on the 5,000-service graph: 244 ms
DAY_SECONDS = 86_400


@dataclass(frozen=True)
class SimulationSize:
    """What a simulation will do, as far as its cost goes."""

    window_days: int
    step_s: int  # the request counts' step the metrics store serves for the window
    iterations: int
    period_days: int
    availability: bool  # an availability target is tested
    latency_targets: int
    deploy: bool = False
    dependencies: bool = False

    @property
    def slis(self) -> int:
        return int(self.availability) + self.latency_targets

    @property
    def history_points(self) -> int:
        return self.window_days * DAY_SECONDS // self.step_s if self.slis else 0


def estimated_seconds(size: SimulationSize) -> float:
    """The model in the module docstring."""
    steps = size.history_points
    seconds = FIXED_SECONDS + READ_SECONDS_PER_POINT * steps
    if size.latency_targets:
        seconds += HISTOGRAM_SECONDS_PER_HOUR * size.window_days * 24
    seconds += BACKTEST_SECONDS_PER_STEP * steps * size.slis
    seconds += (MONTE_CARLO_SECONDS_PER_DRAW_DAY * size.iterations * size.period_days
                * size.slis)
    if size.deploy:
        seconds += DEPLOY_SECONDS
    if size.dependencies:
        seconds += DEPENDENCIES_SECONDS
    return seconds
