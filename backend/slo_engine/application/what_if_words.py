"""The what-if's answer in words: "adding a fallback for payment-api raises the bound
from 99.70% to 99.93%; the balanced target can then be 99.9%"."""

from __future__ import annotations

from slo_engine.domain.dependency_changes import DependencyChange

# The balanced target a bound allows: the highest of these not above it.
STANDARD_TARGETS = (0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999, 0.99995, 0.99999)


def recommendation_in_words(changes: list[DependencyChange], current_bound: float,
                            projected_bound: float, stored_balanced: float | None,
                            at_risk: list[str]) -> str:
    what = " and ".join(describe(change) for change in changes)
    words = f"{what} {_verb(current_bound, projected_bound)}"
    words += f"; {_target_words(current_bound, projected_bound, stored_balanced)}"
    if at_risk:
        shown = ", ".join(at_risk[:5]) + (f" and {len(at_risk) - 5} more"
                                          if len(at_risk) > 5 else "")
        words += f"; upstream SLOs then at risk: {shown}"
    return words[0].upper() + words[1:] + "."


def describe(change: DependencyChange) -> str:
    if change.kind == "availability":
        return f"{change.dependency} at {_percent(change.availability_ratio or 0.0)}"
    if change.kind == "fallback":
        backup = (change.fallback if change.fallback is not None
                  else f"one at {_percent(change.availability_ratio or 0.0)}")
        return f"adding a fallback for {change.dependency} ({backup})"
    edge = f"{change.caller} -> {change.dependency}"
    if change.kind == "remove":
        return f"removing {edge}"
    return f"making {edge} {change.communication_mode or change.criticality}"


def highest_target_within(bound: float) -> float | None:
    allowed = [t for t in STANDARD_TARGETS if t <= bound + 1e-12]
    return allowed[-1] if allowed else None


def _verb(current: float, projected: float) -> str:
    if round(projected, 6) == round(current, 6):
        return f"leaves the bound at {_percent(current)}"
    verb = "raises" if projected > current else "lowers"
    digits = next((d for d in (2, 3, 4) if f"{current:.{d}%}" != f"{projected:.{d}%}"), 5)
    return f"{verb} the bound from {current:.{digits}%} to {projected:.{digits}%}"


def _target_words(current_bound: float, bound: float, stored_balanced: float | None
                  ) -> str:
    target = highest_target_within(bound)
    if target is None:
        return "no standard target down to 90% fits under the bound"
    words = f"the balanced target can then be up to {_target(target)}"
    if stored_balanced is None:
        return words
    if stored_balanced > bound:
        return (f"the recommended balanced target {_target(stored_balanced)} is then above "
                f"the bound: lower it to {_target(target)}")
    if stored_balanced < min(current_bound, bound) - 1e-4:
        return (words + f" (the stored recommendation's {_target(stored_balanced)} is under "
                "the bound before and after: the service's own history sets it)")
    return words + f" (the stored recommendation's is {_target(stored_balanced)})"


def _percent(ratio: float) -> str:
    return f"{ratio:.2%}"


def _target(ratio: float) -> str:
    return f"{ratio * 100:.3f}".rstrip("0").rstrip(".") + "%"
