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

from slo_engine.domain.promql_text import duration, escape_label_value, re2_alternation
from slo_engine.domain.sli_definition import (
    LABEL_NAME,
    SLI_QUERY_FIELDS,
    SliDefinition,
    UnsafeQuery,
    checked_label_value,
)

__all__ = ["SLI_QUERY_FIELDS", "SliQueries", "UnsafeQuery", "escape_label_value", "step_for"]

# Prometheus refuses range queries returning more than 11,000 points per series.
MAX_POINTS_PER_SERIES = 11_000
STEP_LADDER_SECONDS = (15, 30, 60, 300, 600, 900, 1800, 3600, 10800, 21600, 86400)

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
    return escape_label_value(re2_alternation([_bounded("service", v) for v in values]))


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


def step_for(range_seconds: int, preferred_step_seconds: int = 300) -> int:
    """The finest step on the ladder, no finer than preferred, that keeps a range query
    under Prometheus's per-series point limit (30 days at 5 minutes: 8,641 points)."""
    for step in STEP_LADDER_SECONDS:
        if step >= preferred_step_seconds and range_seconds // step + 1 <= MAX_POINTS_PER_SERIES:
            return step
    return STEP_LADDER_SECONDS[-1]


class SliQueries(SliDefinition):
    """The PromQL of a service's SLIs, from where its telemetry lives."""

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
