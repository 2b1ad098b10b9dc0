"""Exact Shapley values of a function of a few features against one reference point
(what SHAP's exact explainer computes with a single background sample):

    phi_i = sum over S subset of N \\ {i} of |S|! (n - |S| - 1)! / n!
            x [f(x_S, x_i, r_rest) - f(x_S, r_i, r_rest)]

where features in S and i take the explained values x and the others the reference r.
2^n evaluations, one vectorised call: meant for n up to about 12. The values add up to
f(x) - f(r) (efficiency). Pure: numpy and the standard library only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np

MAX_FEATURES = 12


def exact_shapley(function: Callable[[np.ndarray], np.ndarray], values: Sequence[float],
                  reference: Sequence[float]) -> np.ndarray:
    """`function` maps rows of feature values (shape [k, n]) to k outputs."""
    x, r = np.asarray(values, dtype=float), np.asarray(reference, dtype=float)
    n = x.size
    if n > MAX_FEATURES:
        raise ValueError(f"exact Shapley values of {n} features take 2^{n} evaluations")
    coalitions = np.array(list(itertools.product((False, True), repeat=n)), dtype=bool)
    outputs = np.asarray(function(np.where(coalitions, x, r)), dtype=float)
    by_mask = {tuple(mask): out for mask, out in zip(coalitions.tolist(), outputs, strict=True)}
    phi = np.zeros(n)
    for mask, out in by_mask.items():
        size = sum(mask)
        for i in (i for i in range(n) if mask[i]):
            without = tuple(False if k == i else m for k, m in enumerate(mask))
            weight = math.factorial(size - 1) * math.factorial(n - size) / math.factorial(n)
            phi[i] += weight * (out - by_mask[without])
    return phi
