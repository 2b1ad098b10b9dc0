// The latest aggregates of one service, one row per window.
// parameters: $service_id
// columns: window, requests, availability_ratio, error_ratio, request_rate_per_second, latency_p50_seconds, latency_p95_seconds, latency_p99_seconds, computed_at
MATCH (:Service {service_id: $service_id})-[:HAS_AGGREGATE]->(a:SliAggregate)
RETURN a.window AS window, a.requests AS requests, a.availability_ratio AS availability_ratio,
       a.error_ratio AS error_ratio, a.request_rate_per_second AS request_rate_per_second,
       a.latency_p50_seconds AS latency_p50_seconds,
       a.latency_p95_seconds AS latency_p95_seconds,
       a.latency_p99_seconds AS latency_p99_seconds, a.computed_at AS computed_at
