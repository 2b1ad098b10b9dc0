"""FR-7 feature attribution: exact Shapley values (domain/shapley.py; SHAP's exact
explainer gives the same, as a test checks) of the function that turns a recommendation's
inputs into its balanced target.

Availability: target = min(1 - steady error ratio - the forecast's incident budget,
internal dependency bound x external reliability), the forecast's balanced target split
into what steady errors and what the incidents it expects cost; latency: target =
historical p99 x (1 + noise margin). Values are measured
against a reference service: the archetype baseline with perfect dependencies and the
minimum margin, so each feature's effect says how far it moved the target from what a
typical service of that kind would get.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slo_engine.domain.shapley import exact_shapley


@dataclass(frozen=True)
class Attribution:
    feature: str
    contribution: float  # share of the total absolute effect, 0..1
    effect: float  # signed change of the target from the reference (ratio or seconds)


def _attributions(names: list[str], effects: np.ndarray) -> list[Attribution]:
    total = float(np.abs(effects).sum())
    rows = [Attribution(name, abs(float(e)) / total if total > 0 else 0.0, float(e))
            for name, e in zip(names, effects, strict=True)]
    return sorted(rows, key=lambda a: -a.contribution)


def _availability_target(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.minimum(1.0 - x[:, 0] - x[:, 1], x[:, 2] * x[:, 3]))


def availability_attribution(steady_error_ratio: float, incident_budget_ratio: float,
                             internal_bound_ratio: float, external_reliability_ratio: float,
                             baseline_ratio: float) -> list[Attribution]:
    """The reference: no steady errors, the archetype baseline's budget all for
    incidents, perfect dependencies."""
    effects = exact_shapley(
        _availability_target,
        [steady_error_ratio, incident_budget_ratio, internal_bound_ratio,
         external_reliability_ratio],
        [0.0, 1.0 - baseline_ratio, 1.0, 1.0])
    return _attributions(["steady_errors", "incident_forecast", "downstream_dependency_risk",
                          "external_api_reliability"], effects)


def _latency_target(x: np.ndarray) -> np.ndarray:
    return np.asarray(x[:, 0] * (1 + x[:, 1]))


def latency_attribution(historical_seconds: float, margin_ratio: float,
                        baseline_seconds: float, minimum_margin_ratio: float
                        ) -> list[Attribution]:
    effects = exact_shapley(_latency_target, [historical_seconds, margin_ratio],
                             [baseline_seconds, minimum_margin_ratio])
    return _attributions(["p99_latency_historical", "noisy_neighbor_margin"], effects)
