"""The last-seen subquery for the label sets that stopped reporting: it selects just
their callers' series, named exactly, unless there are too many to name."""

from __future__ import annotations

from slo_engine.adapters.prometheus_edges import (
    MAX_SELECTED_CALLERS,
    LinkerdMetrics,
    ServiceGraphMetrics,
    linkerd_family,
    quiet_last_seen_query,
    service_graph_family,
)

GRAPH = service_graph_family(ServiceGraphMetrics())


def test_the_quiet_callers_are_selected_by_an_exact_alternation() -> None:
    assert quiet_last_seen_query(GRAPH, 3600, ["api.v2+(x)", 'q"\\']) == (
        'max by (client, server, connection_type) (max_over_time(timestamp('
        'traces_service_graph_request_total{client=~"api\\\\.v2\\\\+\\\\(x\\\\)|q\\\\\\"\\\\\\\\"})'
        '[3600s:60s]))')


def test_a_caller_named_with_a_newline_stays_inside_its_string() -> None:
    query = quiet_last_seen_query(GRAPH, 3600, ["a\nb"])
    assert "\n" not in query  # escaped: the name cannot end the expression's line
    assert 'client=~"a\\\\\\nb"' in query  # RE2 \<newline>, as a PromQL string


def test_a_selector_with_matchers_gains_one_more() -> None:
    query = quiet_last_seen_query(linkerd_family(LinkerdMetrics()), 600, ["web"])
    assert 'timestamp(response_total{direction="outbound",deployment=~"web"})' in query


def test_beyond_the_limit_every_series_is_read() -> None:
    callers = [f"svc-{i}" for i in range(MAX_SELECTED_CALLERS + 1)]
    assert "timestamp(traces_service_graph_request_total)" in quiet_last_seen_query(
        GRAPH, 3600, callers)
