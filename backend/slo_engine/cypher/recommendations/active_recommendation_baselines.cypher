// Active recommendations not yet marked stale, with the aggregates they are judged against
// (null until the first aggregation after they were generated).
// parameters: none
// columns: recommendation_id, service_id, lookback_days, baseline
MATCH (s:Service)-[:HAS_RECOMMENDATION]->(r:Recommendation)
WHERE r.status = 'active' AND r.stale_since IS NULL
RETURN r.recommendation_id AS recommendation_id, s.service_id AS service_id,
       r.lookback_days AS lookback_days, r.input_baseline AS baseline
