// Replaces each service's latest aggregate for each window (one node per service and window).
// parameters: $rows [{aggregate_key, service_id, window, requests, availability_ratio, error_ratio, request_rate_per_second, latency_p50_seconds, latency_p95_seconds, latency_p99_seconds}], $now
// columns: stored
UNWIND $rows AS row
MATCH (s:Service {service_id: row.service_id})
MERGE (a:SliAggregate {aggregate_key: row.aggregate_key})
MERGE (s)-[:HAS_AGGREGATE]->(a)
SET a.service_id = row.service_id, a.window = row.window, a.requests = row.requests,
    a.availability_ratio = row.availability_ratio, a.error_ratio = row.error_ratio,
    a.request_rate_per_second = row.request_rate_per_second,
    a.latency_p50_seconds = row.latency_p50_seconds,
    a.latency_p95_seconds = row.latency_p95_seconds,
    a.latency_p99_seconds = row.latency_p99_seconds, a.computed_at = $now
RETURN count(a) AS stored
