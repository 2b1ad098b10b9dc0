"""PromQL built from templates: metric and label names configurable per service, label
values validated and escaped so no request can change a query's meaning.

Templates use `{selector}` for the label matchers and `{window}` for a range; both are
filled here and only here. Service ids come from the catalogue: the API admitted them at
ingestion (letters, digits and `._:-`), so they are escaped and never refused here (a
SHA-256 digest is a long digit run, not a phone number). Label values that arrive from
outside the catalogue (configured extra matchers) and look like personal data (an
e-mail address, an IP address, a UUID, a phone or card number) are refused (TRD
SEC-008): such values would end up in Prometheus query logs. Settings validate them at
start-up, so a refusal is never a failed request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from slo_engine.domain.personal_data import LABEL_NAME_PATTERN, METRIC_NAME_PATTERN, looks_like

# Prometheus refuses range queries returning more than 11,000 points per series.
MAX_POINTS_PER_SERIES = 11_000
STEP_LADDER_SECONDS = (15, 30, 60, 300, 600, 900, 1800, 3600, 10800, 21600, 86400)

LABEL_NAME = re.compile(LABEL_NAME_PATTERN)
METRIC_NAME = re.compile(METRIC_NAME_PATTERN)


class UnsafeQuery(ValueError):
    """A name or value that cannot be put into PromQL as given."""


def escape_label_value(value: str) -> str:
    """The body of a double-quoted PromQL string: backslash, quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def checked_label_value(label: str, value: str) -> str:
    if len(value) > 1024:
        raise UnsafeQuery(f"the value of label '{label}' is longer than 1024 characters")
    what = looks_like(value)
    if what is not None:
        raise UnsafeQuery(f"the value of label '{label}' looks like {what}; personal "
                          "data is never sent to the metrics store")
    return escape_label_value(value)


def catalogue_value(label: str, value: str) -> str:
    """A value the catalogue holds (a service id): escaped, never judged as personal data."""
    return escape_label_value(_bounded(label, value))


def _bounded(label: str, value: str) -> str:
    if len(value) > 1024:
        raise UnsafeQuery(f"the value of label '{label}' is longer than 1024 characters")
    return value


def regex_alternation(values: list[str]) -> str:
    """An RE2 pattern matching exactly these catalogue values (punctuation escaped), ready
    to sit inside a PromQL string."""
    escaped = ["".join(c if c.isalnum() else "\\" + c for c in _bounded("service", value))
               for value in values]
    return escape_label_value("|".join(escaped))


def selector(matchers: dict[str, str], catalogue: frozenset[str] = frozenset()) -> str:
    """`{a="x",b="y"}` from exact-match label values (names validated, values escaped);
    labels named in `catalogue` hold catalogue values, the others are checked for
    personal data."""
    parts = []
    for label, value in matchers.items():
        if not LABEL_NAME.match(label):
            raise UnsafeQuery(f"'{label}' is not a valid Prometheus label name")
        checked = (catalogue_value(label, value) if label in catalogue
                   else checked_label_value(label, value))
        parts.append(f'{label}="{checked}"')
    return "{" + ",".join(parts) + "}"


def duration(seconds: int) -> str:
    """A PromQL duration literal in the largest whole unit."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def step_for(range_seconds: int, preferred_step_seconds: int = 300) -> int:
    """The finest step on the ladder, no finer than preferred, that keeps a range query
    under Prometheus's per-series point limit (30 days at 5 minutes: 8,641 points)."""
    for step in STEP_LADDER_SECONDS:
        if step >= preferred_step_seconds and range_seconds // step + 1 <= MAX_POINTS_PER_SERIES:
            return step
    return STEP_LADDER_SECONDS[-1]


SLI_QUERY_FIELDS = ("requests_metric", "duration_bucket_metric", "duration_unit_seconds",
                    "throttled_metric", "service_label", "code_label", "error_code_regex",
                    "extra_matchers")


@dataclass(frozen=True)
class SliQueries:
    """Where a service's SLIs live; the defaults follow the common HTTP conventions
    (`http_requests_total{code}`; OpenTelemetry's semantic conventions and span metrics
    are configurations of the same fields, see the README)."""

    requests_metric: str = "http_requests_total"
    duration_bucket_metric: str = "http_request_duration_seconds_bucket"
    duration_unit_seconds: float = 1.0  # 0.001 for histograms in milliseconds
    throttled_metric: str = "container_cpu_cfs_throttled_seconds_total"
    service_label: str = "service"
    code_label: str = "code"
    error_code_regex: str = "5.."
    extra_matchers: dict[str, str] = field(default_factory=dict)

    def overridden_with(self, overrides: dict[str, Any]) -> SliQueries:
        """These queries with some fields replaced (a service's own conventions); extra
        matchers add to the fleet's (a service's own win on the same label)."""
        unknown = sorted(set(overrides) - set(SLI_QUERY_FIELDS))
        if unknown:
            raise UnsafeQuery(f"unknown SLI query field(s) {unknown}; known: "
                              f"{list(SLI_QUERY_FIELDS)}")
        if "extra_matchers" in overrides:
            overrides = {**overrides, "extra_matchers": {**self.extra_matchers,
                                                         **overrides["extra_matchers"]}}
        return replace(self, **overrides)

    def __post_init__(self) -> None:
        for metric in (self.requests_metric, self.duration_bucket_metric, self.throttled_metric):
            if not METRIC_NAME.match(metric):
                raise UnsafeQuery(f"'{metric}' is not a valid Prometheus metric name")
        for label in (self.service_label, self.code_label, *self.extra_matchers):
            if not LABEL_NAME.match(label):
                raise UnsafeQuery(f"'{label}' is not a valid Prometheus label name")
        if not re.fullmatch(r"[A-Za-z0-9_.|]+", self.error_code_regex):
            raise UnsafeQuery("error_code_regex may hold only letters, digits, '_', '.' and "
                              "'|' (say 5.. or STATUS_CODE_ERROR)")
        if not self.duration_unit_seconds > 0:
            raise UnsafeQuery("duration_unit_seconds must be positive (0.001 for ms buckets)")
        for label, value in self.extra_matchers.items():
            checked_label_value(label, value)

    def _selector(self, service_id: str, extra: str = "") -> str:
        extra_body = selector(self.extra_matchers)[1:-1]
        own = selector({self.service_label: service_id}, frozenset({self.service_label}))[1:-1]
        body = ",".join(part for part in (own, extra_body) if part)
        return "{" + body + extra + "}"

    def total_requests(self, service_id: str, window_seconds: int) -> str:
        """Requests in each window ending at a step (increase, so windows sum exactly)."""
        return (f"sum(increase({self.requests_metric}{self._selector(service_id)}"
                f"[{duration(window_seconds)}]))")

    def failed_requests(self, service_id: str, window_seconds: int) -> str:
        failed = f',{self.code_label}=~"{self.error_code_regex}"'
        return (f"sum(increase({self.requests_metric}{self._selector(service_id, failed)}"
                f"[{duration(window_seconds)}]))")

    def latency_buckets(self, service_id: str, window_seconds: int) -> str:
        """The service's own end-to-end histogram (percentiles never add along a chain):
        requests per `le` bucket in each window; quantiles are computed from it."""
        return (f"sum by (le) (increase({self.duration_bucket_metric}"
                f"{self._selector(service_id)}[{duration(window_seconds)}]))")

    def throttled_seconds(self, service_id: str, window_seconds: int) -> str:
        return (f"sum(increase({self.throttled_metric}{self._selector(service_id)}"
                f"[{duration(window_seconds)}]))")

    def _by_service(self, service_ids: list[str], inner: str, window_seconds: int) -> str:
        matchers = self._many_services(service_ids, inner)
        return (f"sum by ({self.service_label}) (increase({self.requests_metric}"
                f"{{{matchers}}}[{duration(window_seconds)}]))")

    def total_requests_by_service(self, service_ids: list[str], window_seconds: int) -> str:
        """One query for many services: requests per service over the window."""
        return self._by_service(service_ids, "", window_seconds)

    def failed_requests_by_service(self, service_ids: list[str], window_seconds: int) -> str:
        failed = f',{self.code_label}=~"{self.error_code_regex}"'
        return self._by_service(service_ids, failed, window_seconds)

    def _every_service(self, metric: str, extra: str, window_seconds: int, by: str) -> str:
        body = selector(self.extra_matchers)[1:-1]
        matchers = ",".join(part for part in (body, extra) if part)
        return (f"sum by ({by}) (increase({metric}{{{matchers}}}"
                f"[{duration(window_seconds)}]))")

    def requests_of_every_service(self, window_seconds: int) -> str:
        """One query for the whole fleet: requests per service over the window."""
        return self._every_service(self.requests_metric, "", window_seconds,
                                   self.service_label)

    def failed_requests_of_every_service(self, window_seconds: int) -> str:
        failed = f'{self.code_label}=~"{self.error_code_regex}"'
        return self._every_service(self.requests_metric, failed, window_seconds,
                                   self.service_label)

    def latency_buckets_of_every_service(self, window_seconds: int) -> str:
        return self._every_service(self.duration_bucket_metric, "", window_seconds,
                                   f"{self.service_label}, le")

    def p99_log(self, service_ids: list[str], step_seconds: int) -> str:
        """Per service and step: ln(p99) of the requests of that step alone."""
        matchers = self._many_services(service_ids, "")
        return (f"ln(histogram_quantile(0.99, sum by ({self.service_label}, le) "
                f"(increase({self.duration_bucket_metric}{{{matchers}}}"
                f"[{duration(step_seconds)}]))))")

    def error_ratio_day_on_day(self, service_ids: list[str], step_seconds: int,
                               period_seconds: int) -> str:
        """Per service and step: the error ratio now minus one period earlier (a step with
        requests and no failures has ratio 0, not none)."""
        failed_matchers = f',{self.code_label}=~"{self.error_code_regex}"'

        def ratio(offset: str) -> str:
            def requests(extra: str) -> str:
                matchers = self._many_services(service_ids, extra)
                return (f"sum by ({self.service_label}) (increase({self.requests_metric}"
                        f"{{{matchers}}}[{duration(step_seconds)}]{offset}))")
            total = requests("")
            return f"(({requests(failed_matchers)} or 0 * {total}) / {total})"
        return f"{ratio('')} - {ratio(' offset ' + duration(period_seconds))}"

    def _many_services(self, service_ids: list[str], extra: str) -> str:
        body = selector(self.extra_matchers)[1:-1]
        matchers = f'{self.service_label}=~"{regex_alternation(service_ids)}"'
        return matchers + ("," + body if body else "") + extra
