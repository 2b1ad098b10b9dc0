"""The what-if's answer in words: "adding a fallback for payment-api raises the bound
from 99.70% to 99.93%; the balanced target can then be 99.9%"."""

from __future__ import annotations

from slo_engine.domain.dependency_changes import DependencyChange
from slo_engine.domain.deploy_comparison import Change, DeployComparison

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


def deploy_in_words(comparison: DeployComparison, at: str) -> str:
    """"After the deploy at ... availability fell from 99.950% to 99.700% (error ratio
    +0.250 pp, 95% interval +0.200 to +0.310 pp: significant); ...: the new version fails
    more: ..."."""
    error = comparison.error_ratio
    if error.before is None or error.after is None:
        return f"The history around the deploy at {at} has no requests to compare."
    before, after = 1 - error.before, 1 - error.after
    words = (f"After the deploy at {at} availability "
             f"{_movement(error, f'{before:.3%}', f'{after:.3%}', 'fell', 'rose')} "
             f"(error ratio {_points(error)})")
    p99 = (comparison.latency_s or {}).get(0.99)
    if p99 is not None and p99.change is not None and p99.interval is not None:
        words += (f"; p99 latency {_movement(p99, _ms(p99.before), _ms(p99.after), 'rose', 'fell')}"
                  f" (95% interval {_signed_ms(p99.interval[0])} to "
                  f"{_signed_ms(p99.interval[1])}: {_significance(p99)})")
    return f"{words}: {_deploy_advice(error, p99, after)}."


def _deploy_advice(error: Change, p99: Change | None, after: float) -> str:
    slower = p99 is not None and p99.significant and (p99.change or 0) > 0
    if error.significant and (error.change or 0) > 0:
        return (f"the new version fails more; fix it or roll it back before approving a "
                f"target above {after:.2%}, and judge targets on the history since the "
                "deploy")
    if error.significant:
        advice = ("the new version fails less; the history before the deploy understates "
                  "it, so simulate on the days since the deploy before tightening the target")
    elif slower:
        advice = "availability did not change significantly"
    else:
        return "no significant change; the whole history can judge this service's targets"
    if slower:
        advice += ("; latency targets judged on the history before the deploy overstate "
                   "what the new version achieves")
    return advice


def _movement(change: Change, before: str, after: str, up: str, down: str) -> str:
    """"fell from X to Y" when the change is significant, else "X before and Y after"."""
    if not change.significant:
        return f"{before} before and {after} after"
    return f"{up if (change.change or 0) > 0 else down} from {before} to {after}"


def _points(change: Change) -> str:
    assert change.change is not None
    low, high = change.interval or (change.change, change.change)
    return (f"{change.change * 100:+.3f} pp, 95% interval {low * 100:+.3f} to "
            f"{high * 100:+.3f} pp: {_significance(change)}")


def _significance(change: Change) -> str:
    return "significant" if change.significant else "not significant"


def _ms(seconds: float | None) -> str:
    return "no value" if seconds is None else f"{seconds * 1000:.0f} ms"


def _signed_ms(seconds: float) -> str:
    return f"{seconds * 1000:+.0f} ms"


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
