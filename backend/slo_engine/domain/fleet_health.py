"""Fleet-level SLO health (TRD FR-12): error-budget consumption and decision rates."""

from __future__ import annotations

from collections.abc import Iterable

BUDGET_BUCKETS = ((0.25, "under_25_percent"), (0.5, "25_to_50_percent"),
                  (0.75, "50_to_75_percent"), (1.0, "75_to_100_percent"))
EXHAUSTED = "exhausted"
DECISION_KINDS = {"accept": "accepted", "auto_approve": "accepted", "modify": "modified",
                  "reject": "rejected"}


def budget_consumed_ratio(observed_ratio: float, target_ratio: float) -> float:
    """Share of the window's error budget spent: (1 - observed) / (1 - target)."""
    budget = 1.0 - target_ratio
    return (1.0 - observed_ratio) / budget if budget > 0 else float("inf")


def budget_bucket(consumed_ratio: float) -> str:
    for upper, name in BUDGET_BUCKETS:
        if consumed_ratio < upper:
            return name
    return EXHAUSTED


def decision_rates(counts: Iterable[tuple[str, int]]) -> dict[str, float | int]:
    """Accepted (incl. auto-approved) / modified / rejected shares of all decisions."""
    totals = dict.fromkeys(("accepted", "modified", "rejected"), 0)
    for action, count in counts:
        kind = DECISION_KINDS.get(action)
        if kind is not None:
            totals[kind] += count
    decided = sum(totals.values())
    rates: dict[str, float | int] = {"decisions": decided}
    rates.update({f"{k}_rate": round(v / decided, 4) if decided else 0.0
                  for k, v in totals.items()})
    return rates
