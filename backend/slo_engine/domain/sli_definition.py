"""Where a service's telemetry lives: metric and label names, validated once, used by the
telemetry adapter's queries and by the rule generators alike."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Self

from slo_engine.domain.personal_data import LABEL_NAME_PATTERN, METRIC_NAME_PATTERN, looks_like
from slo_engine.domain.promql_text import escape_label_value

LABEL_NAME = re.compile(LABEL_NAME_PATTERN)
METRIC_NAME = re.compile(METRIC_NAME_PATTERN)
SLI_QUERY_FIELDS = ("requests_metric", "duration_bucket_metric", "duration_unit_seconds",
                    "throttled_metric", "service_label", "code_label", "error_code_regex",
                    "extra_matchers")


# Which SLI a service's history is read with: the settings (and the service's own `sli`
# metadata) until a person approves a discovered or modified one.
CONFIGURED_DEFAULT: dict[str, str] = {"source": "configured_default"}


def approved_source(sli_id: str, convention: str) -> dict[str, str]:
    return {"source": "approved_sli", "sli_id": sli_id, "convention": convention}


class UnsafeQuery(ValueError):
    """A name or value that cannot be put into PromQL as given."""


def checked_label_value(label: str, value: str) -> str:
    if len(value) > 1024:
        raise UnsafeQuery(f"the value of label '{label}' is longer than 1024 characters")
    what = looks_like(value)
    if what is not None:
        raise UnsafeQuery(f"the value of label '{label}' looks like {what}; personal "
                          "data is never sent to the metrics store")
    return escape_label_value(value)


@dataclass(frozen=True)
class SliDefinition:
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

    def overridden_with(self, overrides: dict[str, Any]) -> Self:
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

    def service_matchers(self, service_id: str) -> dict[str, str]:
        """The equality matchers of one service's series: its label, then the extras."""
        return {self.service_label: service_id, **self.extra_matchers}
