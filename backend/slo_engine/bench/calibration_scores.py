"""Figures that tell a calibrated rule from a lucky one, over pooled SLO periods
(issue 15): per tier the breach rate with its standard error clustered by fleet (periods
of one fleet share its incidents and regimes, so they are not independent), the mean
stated breach probability, the Brier score of the stated probability against the
period's outcome, budget use, a reliability table (stated probability in bins against
the realised rate, with counts), and the oracle frontiers at the tier's breach rate."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from slo_engine.domain.slo import TIER_NAMES

RELIABILITY_BINS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 1.0)
# Periods simulated before the judged ones (and the engine's history) from which the
# efficiency oracle knows each service's long-run distribution: ten years of months.
ORACLE_MONTHS = 120


@dataclass(frozen=True)
class PeriodOutcome:
    """One tier of one service judged on one held-out SLO period."""

    cluster: str  # the fleet it belongs to
    month: int
    tier: str
    breached: bool
    budget_use: float
    stated: float | None  # the breach probability stated for this period


def period_error_ratios(requests: np.ndarray, failures: np.ndarray, period_steps: int
                        ) -> np.ndarray:
    """(services, periods): each whole period's share of failed requests (the steps
    must be a whole number of periods)."""
    shape = (requests.shape[0], -1, period_steps)
    ratios: np.ndarray = (failures.reshape(shape).sum(2)
                          / np.maximum(requests.reshape(shape).sum(2), 1.0))
    return ratios


def clustered_standard_error(values: Sequence[float], clusters: Sequence[str]) -> float:
    """The standard error of the mean with clusters (CR1: G / (G - 1) small-sample
    factor): sqrt(G / (G - 1) x sum_g (sum_{i in g} (y_i - mean))^2) / n. One cluster
    gives no estimate (NaN)."""
    y = np.asarray(values, dtype=float)
    names = sorted(set(clusters))
    if len(names) < 2 or y.size == 0:
        return math.nan
    residual = y - y.mean()
    sums = np.array([residual[[c == name for c in clusters]].sum() for name in names])
    return float(math.sqrt(len(names) / (len(names) - 1) * float((sums ** 2).sum()))
                 / y.size)


def reliability(outcomes: Sequence[PeriodOutcome]) -> list[dict[str, Any]]:
    """Stated probability in bins against the realised rate; `within_2se` for bins of 30
    or more periods. The standard error judged is the larger of the binomial one,
    sqrt(p (1 - p) / n) at the stated p, and the one clustered by fleet: one fleet's
    periods share its incidents and regimes (the bursty generator's shared-infrastructure
    incidents breach many services in one month), so a bin of thousands of periods from
    eight fleets is not thousands of independent trials; both are reported."""
    rows = []
    for low, high in itertools.pairwise(RELIABILITY_BINS):
        inside = [o for o in outcomes if o.stated is not None
                  and (low <= o.stated < high or (high == 1.0 and o.stated == 1.0))]
        if not inside:
            continue
        stated = float(np.mean([o.stated for o in inside if o.stated is not None]))
        breached = [float(o.breached) for o in inside]
        realised = float(np.mean(breached))
        binomial = math.sqrt(max(stated * (1 - stated), 1e-12) / len(inside))
        clustered = clustered_standard_error(breached, [o.cluster for o in inside])
        se = binomial if math.isnan(clustered) else max(binomial, clustered)
        rows.append({"bin": [low, high], "periods": len(inside),
                     "mean_stated": round(stated, 4), "realised": round(realised, 4),
                     "binomial_se": round(binomial, 4),
                     "clustered_se": None if math.isnan(clustered) else round(clustered, 4),
                     "within_2se": None if len(inside) < 30
                     else abs(realised - stated) <= 2 * se})
    return rows


def tier_figures(outcomes: Sequence[PeriodOutcome]) -> dict[str, dict[str, Any]]:
    figures = {}
    for tier in TIER_NAMES:
        mine = [o for o in outcomes if o.tier == tier]
        if not mine:
            continue
        breached = [float(o.breached) for o in mine]
        stated = [o.stated for o in mine if o.stated is not None]
        brier = [((o.stated or 0.0) - float(o.breached)) ** 2 for o in mine
                 if o.stated is not None]
        use = [o.budget_use for o in mine]
        figures[tier] = {
            "periods": len(mine),
            "breach_rate": round(float(np.mean(breached)), 4),
            "breach_rate_se": round(clustered_standard_error(breached,
                                                             [o.cluster for o in mine]), 4),
            "mean_stated_probability": round(float(np.mean(stated)), 4) if stated else None,
            "brier": round(float(np.mean(brier)), 5) if brier else None,
            "budget_use_mean": round(float(np.mean(use)), 4),
            "budget_use_median": round(float(np.median(use)), 4),
            "reliability": reliability(mine),
        }
    return figures


def calibrated(tiers: dict[str, dict[str, Any]], points: float = 0.02) -> bool:
    """Every tier's realised breach rate within `points` of its mean stated probability."""
    return all(abs(t["breach_rate"] - (t["mean_stated_probability"] or 0)) <= points
               for t in tiers.values())


def frontier_by_tier(frontier: Sequence[dict[str, float]], tiers: dict[str, dict[str, Any]]
                     ) -> dict[str, float]:
    """The oracle's best mean budget use at each tier's breach rate."""
    return {t: round(frontier_at(frontier, v["breach_rate"]), 4) for t, v in tiers.items()}


def share_of_oracle(frontier: Sequence[dict[str, float]], tier: dict[str, Any]
                    ) -> float | None:
    """A tier's mean budget use over the oracle's at the same breach rate (None where the
    oracle uses nothing)."""
    oracle = frontier_at(frontier, tier["breach_rate"])
    return float(tier["budget_use_mean"] / oracle) if oracle > 0 else None


def frontier_at(frontier: Sequence[dict[str, float]], breach_rate: float) -> float:
    """The oracle's best mean budget use at a breach rate (interpolated)."""
    return float(np.interp(breach_rate, [p["breach_rate"] for p in frontier],
                           [p["budget_use_mean"] for p in frontier]))


def oracle_frontier(errors: np.ndarray, highest_breach_rate: float = 0.25
                    ) -> list[dict[str, float]]:
    """Every service's budget at its own k-th worst month, for k = 1, 2, ...: at most
    k - 1 of its months breach (fewer where months tie)."""
    return _kth_worst_points(errors, errors, highest_breach_rate, capped=True)


def out_of_sample_frontier(errors: np.ndarray, highest_breach_rate: float = 0.25
                           ) -> list[dict[str, float]]:
    """The oracle without its in-sample advantage: each month judged against the budget
    at the service's k-th worst of its OTHER months (leave one out), k = 1, 2, ... It
    breaches about k / months of periods and still knows months - 1 months of the service,
    far more than the engine's history; it cannot express breach rates below 1 / months."""
    months = errors.shape[1]
    worst_first = -np.sort(-errors, axis=1)
    rank = np.argsort(np.argsort(-errors, axis=1, kind="stable"), axis=1)  # 0: the worst
    points = []
    for k in range(1, int(highest_breach_rate * months) + 1):
        budgets = np.maximum(np.where(rank < k, worst_first[:, k:k + 1],
                                      worst_first[:, k - 1:k]), 1e-12)
        points.append({"breach_rate": round(float(np.mean(errors > budgets)), 4),
                       "budget_use_mean": round(float(np.mean(errors / budgets)), 4)})
    return points


def known_distribution_frontier(judged: np.ndarray, known: np.ndarray,
                                highest_breach_rate: float = 0.25) -> list[dict[str, float]]:
    """The oracle that knows each service's long-run distribution of monthly error, and
    nothing of the months it is judged on: every budget at the service's k-th worst of its
    `known` months (many, none of them judged), k = 1, 2, ..., judged on the `judged`
    months. This is the best a fixed per-service target can do; the in-sample frontier
    above is not (it picks each budget from the very months it is judged on: the k-th
    worst of 24 judged months breaches exactly (k - 1) / 24 of them, where the same
    quantile of the service's distribution breaches more)."""
    return _kth_worst_points(judged, known, highest_breach_rate, capped=False)


def _kth_worst_points(judged: np.ndarray, known: np.ndarray, highest_breach_rate: float,
                      capped: bool) -> list[dict[str, float]]:
    """For k = 1, 2, ...: every budget at the service's k-th worst `known` month, judged
    on its `judged` months (the same array: in sample); `capped` adds the mean use with
    each month's use capped at 1."""
    worst_first = -np.sort(-known, axis=1)
    points = []
    for k in range(1, int(highest_breach_rate * known.shape[1]) + 2):
        budgets = np.maximum(worst_first[:, k - 1:k], 1e-12)
        use = judged / budgets
        point = {"breach_rate": round(float(np.mean(judged > budgets)), 4),
                 "budget_use_mean": round(float(np.mean(use)), 4)}
        if capped:
            point["budget_use_mean_capped_at_1"] = round(float(np.mean(np.minimum(use, 1))),
                                                         4)
        points.append(point)
    return points
