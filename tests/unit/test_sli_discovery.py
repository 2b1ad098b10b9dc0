"""Candidate SLIs from catalog observations: queries, evidence, confidence and ranking."""

from __future__ import annotations

from slo_engine.domain.sli_conventions import CONVENTIONS, convention_named, family_names
from slo_engine.domain.sli_definition import SliDefinition
from slo_engine.domain.sli_discovery import (
    ConventionObservation,
    latency_threshold,
    ranked_candidates,
    sli_id_of,
)

ENDS = (1000, 2000)
BUCKETS = {"0.1": 500.0, "0.25": 990.0, "0.5": 1000.0, "+Inf": 1000.0}


def observed(name: str = "prometheus_http", label: str = "service",
             series: dict[str, int] | None = None,
             requests: dict[str, list[float]] | None = None,
             buckets: dict[str, float] | None = None, metric_type: str | None = "counter",
             service: str = "checkout") -> ConventionObservation:
    convention = convention_named(name)
    assert convention is not None
    return ConventionObservation(
        convention, label, metric_type, ENDS,
        {service: series if series is not None else {"200": 2, "500": 1}},
        {service: requests if requests is not None else {"200": [480.0, 500.0],
                                                         "500": [20.0, 0.0]}},
        {service: BUCKETS if buckets is None else buckets})


def test_a_classic_service_gets_good_total_and_threshold_queries_with_full_confidence(
        ) -> None:
    [candidate] = ranked_candidates([observed()])["checkout"]
    assert candidate.convention == "prometheus_http"
    assert candidate.queries.availability_total == (
        'sum(rate(http_requests_total{service="checkout"}[5m]))')
    assert candidate.queries.availability_good == (
        'sum(rate(http_requests_total{service="checkout", code!~"5.."}[5m]))')
    assert candidate.queries.latency_good == (
        'sum(rate(http_request_duration_seconds_bucket{service="checkout", le="0.25"}[5m]))')
    assert candidate.queries.latency_total == (
        'sum(rate(http_request_duration_seconds_bucket{service="checkout", le="+Inf"}[5m]))')
    assert candidate.queries.latency_threshold_seconds == 0.25
    assert candidate.confidence == 1.0
    assert candidate.explanations == ()


def test_the_evidence_counts_series_coverage_traffic_and_samples_over_the_lookback() -> None:
    [candidate] = ranked_candidates([observed()])["checkout"]
    evidence = candidate.evidence
    assert (evidence.series_count, dict(evidence.label_coverage)) == (3, {"code": 1.0})
    assert (evidence.requests, evidence.failed_requests) == (1000.0, 20.0)
    assert evidence.availability_ratio == 0.98
    assert [(s.end_s, s.requests, s.availability_ratio) for s in evidence.samples] == [
        (1000, 500.0, 0.96), (2000, 500.0, 1.0)]
    assert evidence.code_values == ("200", "500")
    assert evidence.latency_bucket_bounds_seconds == (0.1, 0.25, 0.5)
    assert evidence.traffic_share == 1.0


def test_series_without_the_code_label_lower_the_confidence_and_say_why() -> None:
    [candidate] = ranked_candidates([observed(series={"200": 1, "": 3})])["checkout"]
    assert candidate.evidence.label_coverage == {"code": 0.25}
    assert candidate.confidence == 0.4  # 0.2 + 0.8 x 0.25
    assert candidate.explanations == (
        "3 of 4 series carry no 'code' label: their failures are invisible",)


def test_a_service_without_the_histogram_has_no_latency_query_and_lower_confidence() -> None:
    [candidate] = ranked_candidates([observed(buckets={})])["checkout"]
    assert candidate.queries.latency_good is None
    assert candidate.queries.latency_threshold_seconds is None
    assert candidate.confidence == 0.85
    assert candidate.explanations == (
        "no http_request_duration_seconds_bucket for this service: no latency SLI",)


def test_idle_series_and_a_contradicting_metadata_type_lower_the_confidence() -> None:
    [candidate] = ranked_candidates([observed(
        requests={"200": [0.0, 0.0]}, metric_type="gauge")])["checkout"]
    assert candidate.evidence.availability_ratio is None
    assert candidate.confidence == 0.15  # 0.3 x 0.5
    assert candidate.explanations == (
        "no requests in the lookback: the series exist but never counted",
        "the metadata says http_requests_total is a gauge, not a counter")


def test_a_service_matching_two_conventions_lists_both_the_one_counting_more_first(
        ) -> None:
    semconv = observed("otel_http_server", "service_name", metric_type="histogram",
                       requests={"200": [100.0, 200.0], "500": [0.0, 0.0]})
    found = ranked_candidates([semconv, observed()])["checkout"]
    assert [(c.convention, c.evidence.traffic_share, c.confidence) for c in found] == [
        ("prometheus_http", 0.7692, 0.908), ("otel_http_server", 0.2308, 0.692)]
    assert found[1].explanations == (
        "counts 23% of the requests that this service's candidates count together",)


def test_equal_candidates_rank_by_the_order_of_the_conventions() -> None:
    found = ranked_candidates([observed("otel_http_server", "service_name", metric_type=None),
                               observed(metric_type=None)])["checkout"]
    assert [c.convention for c in found] == ["prometheus_http", "otel_http_server"]


def test_a_convention_seen_under_two_labels_is_one_candidate_under_its_first_label() -> None:
    found = ranked_candidates([observed(label="job"), observed(label="service")])["checkout"]
    assert [(c.convention, c.definition["service_label"]) for c in found] == [
        ("prometheus_http", "service")]
    assert found[0].sli_id == sli_id_of("checkout", "prometheus_http", "service")


def test_span_metrics_count_only_server_spans_and_their_error_status() -> None:
    spans = observed("span_metrics", "service_name",
                     series={"STATUS_CODE_UNSET": 1, "STATUS_CODE_ERROR": 1},
                     requests={"STATUS_CODE_UNSET": [90.0, 90.0],
                               "STATUS_CODE_ERROR": [10.0, 10.0]}, buckets={})
    [candidate] = ranked_candidates([spans])["checkout"]
    assert candidate.queries.availability_good == (
        'sum(rate(traces_span_metrics_calls_total{service_name="checkout", '
        'span_kind="SPAN_KIND_SERVER", status_code!~"STATUS_CODE_ERROR"}[5m]))')
    assert candidate.evidence.availability_ratio == 0.9


def test_millisecond_histograms_give_their_threshold_in_seconds() -> None:
    assert latency_threshold({"100": 10.0, "250": 995.0, "+Inf": 1000.0}, 0.001) == (
        0.25, "250")
    assert latency_threshold({"100": 10.0, "+Inf": 1000.0}, 1.0) == (100.0, "100")
    assert latency_threshold({}, 1.0) is None


def test_every_convention_is_a_valid_sli_definition() -> None:
    for convention in CONVENTIONS:
        definition = SliDefinition().overridden_with(
            convention.definition_fields(convention.service_labels[0]))
        assert definition.requests_metric == convention.requests_metric


def test_metadata_families_drop_the_openmetrics_suffix() -> None:
    assert family_names("http_requests_total") == ("http_requests_total", "http_requests")
    assert family_names("nginx_ingress_controller_requests") == (
        "nginx_ingress_controller_requests",)
