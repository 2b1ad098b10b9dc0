"""Step 1 of the pipeline: the SLI's error ratio recorded over each alert window and over
the SLO period (names after Sloth's conventions: `slo:sli_error:ratio_rate<window>`).

The period's ratio is failed requests over all requests in the period, from counter
increases. Averaging the 5-minute ratios instead (Sloth's form, its issues #332 and #618)
weighs a quiet night's 5 minutes as much as a busy hour's, so it is biased wherever
traffic varies; it is offered only as `PeriodRatio.AVERAGED`, being cheaper to evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from slo_engine.domain.promql_text import duration, number, selector
from slo_engine.generators.rule_model import RecordingRule, RuleGroup
from slo_engine.generators.slo_spec import SloSpec

SLI_ERROR_RECORD = "slo:sli_error:ratio_rate{window}"
PERIOD_GROUP_INTERVAL_SECONDS = 300  # a 30-day increase need not be evaluated every 30 s
IDENTITY_LABELS = ("sloth_id", "sloth_service", "sloth_slo")  # what rules select series by


class PeriodRatio(StrEnum):
    INCREASE = "increase"  # exact: failed over all requests of the period
    AVERAGED = "averaged"  # mean of the 5-minute ratios: cheaper, biased on uneven traffic


@dataclass(frozen=True)
class SliSelectors:
    """What counts as a request and what as a failed one, as PromQL selectors."""

    failed: str
    total: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


def rule_labels(spec: SloSpec) -> dict[str, str]:
    """The labels every generated series carries: Sloth's ids, and the version and team."""
    labels = {"sloth_id": spec.rule_id, "sloth_service": spec.service_id,
              "sloth_slo": spec.sli_name, "slo_id": spec.slo_id,
              "slo_version": str(spec.version)}
    if spec.team:
        labels["team"] = spec.team
    return labels


def identity_selector(record: str, spec: SloSpec) -> str:
    """A generated series of this SLI, matched on Sloth's three ids."""
    return selector(record, dict(zip(IDENTITY_LABELS,
                                     (spec.rule_id, spec.service_id, spec.sli_name),
                                     strict=True)))


def bucket_label_pattern(bound: float) -> str:
    """`le` as exporters write it: Go's client '1' or '0.3', Python's and Prometheus 3's
    '1.0'; a regex matching each spelling of the same bound."""
    spellings = {repr(float(bound))}
    if float(bound).is_integer():
        spellings.add(str(int(bound)))
    return "|".join(sorted(s.replace(".", "\\.").replace("+", "\\+") for s in spellings))


def sli_selectors(spec: SloSpec) -> SliSelectors:
    metrics = spec.metrics
    service = metrics.service_matchers(spec.service_id)
    if spec.latency is None:
        return SliSelectors(
            failed=selector(metrics.requests_metric, service,
                            {metrics.code_label: metrics.error_code_regex}),
            total=selector(metrics.requests_metric, service))
    bound, warnings = judged_bucket(spec)
    within = selector(metrics.duration_bucket_metric, service,
                      {"le": bucket_label_pattern(bound)})
    every = selector(metrics.duration_bucket_metric, {**service, "le": "+Inf"})
    return SliSelectors(failed=within, total=every, warnings=warnings)


def in_histogram_unit(spec: SloSpec, seconds: float) -> float:
    """Seconds in the histogram's unit, to 12 significant digits: 0.3 s is the bucket
    300 of a millisecond histogram, not 299.99999999999994."""
    return float(f"{seconds / spec.metrics.duration_unit_seconds:.12g}")


def judged_bucket(spec: SloSpec) -> tuple[float, tuple[str, ...]]:
    """The `le` bound (in the histogram's unit) at or just above the latency threshold: a
    bucket-based SLI can judge a request only at a bucket bound."""
    if spec.latency is None:
        raise ValueError(f"{spec.sli_name}: an availability SLI judges no bucket")
    threshold = in_histogram_unit(spec, spec.latency.threshold_seconds)
    bounds = spec.latency.bucket_bounds_seconds
    if bounds is None:
        return threshold, (f"{spec.sli_name}: the histogram's buckets are unknown; the "
                           f"threshold {number(threshold)} is assumed to be a bucket bound",)
    above = [in_histogram_unit(spec, b) for b in bounds
             if in_histogram_unit(spec, b) >= threshold]
    if not above:
        raise ValueError(f"{spec.sli_name}: the threshold {number(threshold)} lies beyond the "
                         f"largest finite bucket {number(in_histogram_unit(spec, bounds[-1]))}")
    if above[0] != threshold:
        return above[0], (f"{spec.sli_name}: the threshold {number(threshold)} falls between "
                          f"buckets; the SLI judges it at le={number(above[0])}",)
    return above[0], ()


def _ratio(spec: SloSpec, selectors: SliSelectors, function: str, window: str) -> str:
    if spec.latency is None:
        return (f"(sum({function}({selectors.failed}[{window}])) or vector(0))\n"
                f"/\nsum({function}({selectors.total}[{window}]))")
    return (f"1 - (\n  sum({function}({selectors.failed}[{window}]))\n  /\n"
            f"  sum({function}({selectors.total}[{window}]))\n)")


def window_rules(spec: SloSpec, windows_seconds: tuple[int, ...]) -> RuleGroup:
    selectors = sli_selectors(spec)
    rules = tuple(
        RecordingRule(SLI_ERROR_RECORD.format(window=duration(w)),
                      _ratio(spec, selectors, "rate", duration(w)),
                      {**rule_labels(spec), "sloth_window": duration(w)})
        for w in windows_seconds)
    return RuleGroup(f"slo-sli-recordings-{spec.rule_id}", rules)


def period_rule(spec: SloSpec, method: PeriodRatio = PeriodRatio.INCREASE) -> RuleGroup:
    period = duration(spec.period_days * 86_400)
    record = SLI_ERROR_RECORD.format(window=period)
    labels = {**rule_labels(spec), "sloth_window": period}
    if method is PeriodRatio.INCREASE:
        expr = _ratio(spec, sli_selectors(spec), "increase", period)
    else:
        five = identity_selector(SLI_ERROR_RECORD.format(window="5m"), spec)
        expr = (f"sum_over_time({five}[{period}])\n/ ignoring (sloth_window)\n"
                f"count_over_time({five}[{period}])")
    return RuleGroup(f"slo-sli-period-{spec.rule_id}", (RecordingRule(record, expr, labels),),
                     PERIOD_GROUP_INTERVAL_SECONDS)
