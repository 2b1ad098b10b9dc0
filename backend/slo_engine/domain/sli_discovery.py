"""Candidate SLIs from what a metrics store holds: per service and naming convention, the
good/total and latency-threshold PromQL, a confidence and the evidence behind it, ranked.

Confidence (0..1) multiplies five factors, each named in the explanations when below 1:
- code label coverage c (share of the service's request series carrying the convention's
  code label: without it failures are invisible): 0.2 + 0.8 c;
- traffic: 1 with requests in the lookback, 0.3 without (series that never count);
- traffic share s (this candidate's requests over all candidates' of the service, so one
  convention counting a subset of the traffic ranks lower): 0.6 + 0.4 s;
- latency: 1 with the convention's histogram for the service, 0.85 without;
- metadata: 1 when /api/v1/metadata agrees with the convention's type or says nothing,
  0.5 when it names another type (a gauge is no request counter).
Ties rank by requests, then by the order of CONVENTIONS.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slo_engine.domain.promql_text import selector, string_literal
from slo_engine.domain.sli_conventions import CONVENTIONS, SliConvention

SLI_NAMESPACE = uuid.UUID("6f1c2d4e-5a7b-4c8d-9e0f-a1b2c3d4e5f6")
RATE_WINDOW = "5m"  # of the displayed queries
LATENCY_GOOD_SHARE = 0.99  # the threshold bucket holds at least this share of requests
MAX_CODE_VALUES = 10


@dataclass(frozen=True)
class ConventionObservation:
    """What the store holds for one convention under one service label, by service.

    series: service -> code value ("" where the label is absent) -> series count;
    requests: service -> code value -> requests in each lookback slice (oldest first);
    buckets: service -> `le` text -> requests over the whole lookback (cumulative)."""

    convention: SliConvention
    service_label: str
    metric_type: str | None
    slice_ends_s: tuple[int, ...]
    series: Mapping[str, Mapping[str, int]]
    requests: Mapping[str, Mapping[str, Sequence[float]]]
    buckets: Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class SliSample:
    end_s: int
    requests: float
    availability_ratio: float | None


@dataclass(frozen=True)
class SliQueryText:
    availability_good: str
    availability_total: str
    latency_good: str | None
    latency_total: str | None
    latency_threshold_seconds: float | None


@dataclass(frozen=True)
class SliEvidence:
    convention: str
    service_label: str
    series_count: int
    label_coverage: Mapping[str, float]
    requests: float
    failed_requests: float
    availability_ratio: float | None
    traffic_share: float
    samples: tuple[SliSample, ...]
    code_values: tuple[str, ...]
    latency_bucket_bounds_seconds: tuple[float, ...]
    metric_type: str | None


@dataclass(frozen=True)
class SliCandidate:
    sli_id: str
    service_id: str
    convention: str
    definition: Mapping[str, Any]  # SliDefinition fields
    queries: SliQueryText
    confidence: float
    evidence: SliEvidence
    explanations: tuple[str, ...]


def sli_id_of(service_id: str, convention: str, service_label: str) -> str:
    """The same service, convention and label give the same id on every discovery."""
    return str(uuid.uuid5(SLI_NAMESPACE, f"{service_id}|{convention}|{service_label}"))


def ranked_candidates(observations: Sequence[ConventionObservation]
                      ) -> dict[str, list[SliCandidate]]:
    """Per service, one candidate per convention (its first label naming the service),
    best first."""
    chosen: dict[str, dict[str, ConventionObservation]] = {}
    for observed in observations:
        for service_id in observed.series:
            by_convention = chosen.setdefault(service_id, {})
            earlier = by_convention.get(observed.convention.name)
            if earlier is None or _label_rank(observed) < _label_rank(earlier):
                by_convention[observed.convention.name] = observed
    return {service_id: _ranked(service_id, list(found.values()))
            for service_id, found in sorted(chosen.items())}


def _label_rank(observed: ConventionObservation) -> int:
    return observed.convention.service_labels.index(observed.service_label)


def _ranked(service_id: str, found: list[ConventionObservation]) -> list[SliCandidate]:
    totals = {o.convention.name: _requests(o, service_id) for o in found}
    everything = sum(totals.values())
    candidates = [_candidate(service_id, o, totals[o.convention.name] / everything
                             if everything > 0 else 1.0 / len(found)) for o in found]
    order = [c.name for c in CONVENTIONS]
    return sorted(candidates, key=lambda c: (-c.confidence, -c.evidence.requests,
                                             order.index(c.convention)))


def _requests(observed: ConventionObservation, service_id: str) -> float:
    return sum(_finite_sum(v) for v in observed.requests.get(service_id, {}).values())


def _finite_sum(values: Sequence[float]) -> float:
    return sum(v for v in values if math.isfinite(v))


def _candidate(service_id: str, observed: ConventionObservation, share: float) -> SliCandidate:
    convention, label = observed.convention, observed.service_label
    evidence = _evidence(service_id, observed, share)
    confidence, explanations = _confidence(evidence, observed, service_id)
    definition = convention.definition_fields(label)
    return SliCandidate(sli_id_of(service_id, convention.name, label), service_id,
                        convention.name, definition,
                        _query_text(service_id, definition, observed.buckets.get(service_id)),
                        confidence, evidence, explanations)


def _evidence(service_id: str, observed: ConventionObservation, share: float) -> SliEvidence:
    convention = observed.convention
    series = observed.series.get(service_id, {})
    counted = sum(series.values())
    labelled = sum(n for code, n in series.items() if code)
    by_code = observed.requests.get(service_id, {})
    requests = sum(_finite_sum(v) for v in by_code.values())
    failed = sum(_finite_sum(v) for code, v in by_code.items()
                 if code and error_code(convention, code))
    return SliEvidence(
        convention.name, observed.service_label, counted,
        {convention.code_label: round(labelled / counted, 4) if counted else 0.0},
        requests, failed, 1.0 - failed / requests if requests > 0 else None, round(share, 4),
        _samples(convention, observed.slice_ends_s, by_code),
        tuple(sorted(code for code in series if code)[:MAX_CODE_VALUES]),
        tuple(b for b, _ in _finite_buckets(observed.buckets.get(service_id, {}),
                                            convention.duration_unit_seconds)),
        observed.metric_type)


def error_code(convention: SliConvention, code: str) -> bool:
    """Whether a code value counts as a failure (PromQL's =~ is anchored: fullmatch)."""
    return re.fullmatch(convention.error_code_regex, code) is not None


def _samples(convention: SliConvention, ends: tuple[int, ...],
             by_code: Mapping[str, Sequence[float]]) -> tuple[SliSample, ...]:
    samples = []
    for k, end_s in enumerate(ends):
        requests = sum(_at(v, k) for v in by_code.values())
        failed = sum(_at(v, k) for code, v in by_code.items()
                     if code and error_code(convention, code))
        samples.append(SliSample(end_s, requests,
                                 1.0 - failed / requests if requests > 0 else None))
    return tuple(samples)


def _at(values: Sequence[float], k: int) -> float:
    return values[k] if k < len(values) and math.isfinite(values[k]) else 0.0


def _finite_buckets(buckets: Mapping[str, float], unit_seconds: float
                    ) -> list[tuple[float, str]]:
    """(bound in seconds, `le` text) of the finite buckets, ascending."""
    bounds = [(float(le) * unit_seconds, le) for le in buckets if float(le) != math.inf]
    return sorted(bounds)


def _confidence(evidence: SliEvidence, observed: ConventionObservation, service_id: str
                ) -> tuple[float, tuple[str, ...]]:
    convention, why = observed.convention, []
    coverage = next(iter(evidence.label_coverage.values()))
    factor = 0.2 + 0.8 * coverage
    if coverage < 1:
        missing = evidence.series_count - round(coverage * evidence.series_count)
        why.append(f"{missing} of {evidence.series_count} series carry no "
                   f"'{convention.code_label}' label: their failures are invisible")
    if evidence.requests <= 0:
        factor *= 0.3
        why.append("no requests in the lookback: the series exist but never counted")
    factor *= 0.6 + 0.4 * evidence.traffic_share
    if evidence.traffic_share < 1:
        why.append(f"counts {evidence.traffic_share:.0%} of the requests that this service's "
                   "candidates count together")
    if not observed.buckets.get(service_id):
        factor *= 0.85
        why.append(f"no {convention.duration_bucket_metric or 'duration histogram'} for "
                   "this service: no latency SLI")
    if observed.metric_type not in (None, "unknown", convention.requests_type):
        factor *= 0.5
        why.append(f"the metadata says {convention.requests_metric} is a "
                   f"{observed.metric_type}, not a {convention.requests_type}")
    return round(factor, 3), tuple(why)


def _query_text(service_id: str, definition: Mapping[str, Any],
                buckets: Mapping[str, float] | None) -> SliQueryText:
    own = {definition["service_label"]: service_id, **definition["extra_matchers"]}
    requests = definition["requests_metric"]
    code, regex = definition["code_label"], definition["error_code_regex"]
    total = f"sum(rate({selector(requests, own)}[{RATE_WINDOW}]))"
    good_selector = f"{selector(requests, own)[:-1]}, {code}!~{string_literal(regex)}}}"
    good = f"sum(rate({good_selector}[{RATE_WINDOW}]))"
    threshold = latency_threshold(buckets or {}, definition.get("duration_unit_seconds", 1.0))
    if threshold is None:
        return SliQueryText(good, total, None, None, None)
    seconds, le = threshold
    bucket = definition["duration_bucket_metric"]
    return SliQueryText(
        good, total, f"sum(rate({selector(bucket, {**own, 'le': le})}[{RATE_WINDOW}]))",
        f"sum(rate({selector(bucket, {**own, 'le': '+Inf'})}[{RATE_WINDOW}]))", seconds)


def latency_threshold(buckets: Mapping[str, float], unit_seconds: float
                      ) -> tuple[float, str] | None:
    """The smallest finite bucket holding at least 99% of the lookback's requests (the
    largest finite one when none does): (seconds, `le` text); None without buckets."""
    finite = _finite_buckets(buckets, unit_seconds)
    everything = next((v for le, v in buckets.items() if float(le) == math.inf), None)
    if not finite:
        return None
    if everything:
        for seconds, le in finite:
            if buckets[le] >= LATENCY_GOOD_SHARE * everything:
                return seconds, le
    return finite[-1]
