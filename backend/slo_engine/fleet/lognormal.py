"""The lognormal latency model's distribution function, shared by the writers of latency
histograms (a service's own, and its callers' servicegraph server latency)."""

from __future__ import annotations

import math

import numpy as np


def lognormal_cdf(x: float, median: np.ndarray, sigma: float) -> np.ndarray:
    z = (math.log(x) - np.log(median)) / (sigma * math.sqrt(2))
    return np.asarray(0.5 * (1 + _erf(z)))


def _erf(z: np.ndarray) -> np.ndarray:
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, scipy is not needed.
    sign = np.sign(z)
    z = np.abs(z)
    t = 1 / (1 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                        + t * (-1.453152027 + t * 1.061405429))))
    return np.asarray(sign * (1 - poly * np.exp(-z * z)))
