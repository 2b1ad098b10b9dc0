"""What simulated next periods say about one SLI target: the distribution of the error
budget they use, the probability of a breach with its interval, and the breaches to
expect in a quarter.

Each draw is one period's bad-event ratio r (failed, or slow, requests over all); its
budget use is r / b with b = 1 - target (backtest.budget_ratio_of), and it breaches when
r > b (as the backtest judges a period). With k breaches in S draws the probability is
p = k / S, its Monte Carlo standard error sqrt(p (1 - p) / S), and its interval the
Wilson score interval (Wilson, JASA 22, 1927) at 95%:

    (p + z^2 / 2S -+ z sqrt(p (1 - p) / S + z^2 / 4S^2)) / (1 + z^2 / S),  z = 1.96,

which stays inside [0, 1] and is not empty at k = 0 (the normal interval is). That
interval is the simulation's error only: the model's uncertainty about its parameters
is inside the draws (each draws its own rate, steady ratio and clustering). Expected
breaches per quarter: E[breaches in Q / D back-to-back periods] = p Q / D with
Q = 365.25 / 4 days (linearity of expectation; no independence between periods needed).

Pure: numpy and the standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

WILSON_Z = 1.959963984540054  # the normal's 97.5% quantile: a two-sided 95% interval
QUARTER_DAYS = 365.25 / 4
BUDGET_USE_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


@dataclass(frozen=True)
class PeriodSimulation:
    iterations: int
    budget_use_quantiles: dict[float, float]  # quantile -> budget use ratio
    mean_budget_use_ratio: float
    breaches: int
    breach_probability: float
    breach_interval: tuple[float, float]
    standard_error: float
    periods_per_quarter: float

    @property
    def expected_breaches_per_quarter(self) -> float:
        return self.breach_probability * self.periods_per_quarter

    @property
    def expected_breaches_interval(self) -> tuple[float, float]:
        low, high = self.breach_interval
        return low * self.periods_per_quarter, high * self.periods_per_quarter


def summarise_periods(bad_ratios: np.ndarray, budget_ratio: float, period_days: int
                      ) -> PeriodSimulation:
    """The summary of S simulated periods' bad-event ratios (the module docstring)."""
    draws = np.asarray(bad_ratios, dtype=float)
    use = draws / budget_ratio
    breaches = int(np.count_nonzero(draws > budget_ratio))
    p = breaches / draws.size
    quantiles = np.quantile(use, BUDGET_USE_QUANTILES)
    return PeriodSimulation(
        iterations=int(draws.size),
        budget_use_quantiles={q: float(v) for q, v in
                              zip(BUDGET_USE_QUANTILES, quantiles, strict=True)},
        mean_budget_use_ratio=float(use.mean()), breaches=breaches, breach_probability=p,
        breach_interval=wilson_interval(breaches, int(draws.size)),
        standard_error=math.sqrt(p * (1 - p) / draws.size),
        periods_per_quarter=QUARTER_DAYS / period_days)


def wilson_interval(successes: int, trials: int, z: float = WILSON_Z) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (the module docstring)."""
    p, z2 = successes / trials, z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    scale = 1 + z2 / trials
    low = 0.0 if successes == 0 else (centre - spread) / scale  # exactly 0 and 1 at the
    high = 1.0 if successes == trials else (centre + spread) / scale  # ends, not rounding
    return low, high
