// One stored recommendation by id, with the service it is for.
// parameters: $recommendation_id
// columns: service_id, recommendation_id, status, sli_type, period_days, generated_at, expires_at, targets
MATCH (s:Service)-[:HAS_RECOMMENDATION]->(r:Recommendation {recommendation_id: $recommendation_id})
RETURN s.service_id AS service_id, r.recommendation_id AS recommendation_id,
       r.status AS status, r.sli_type AS sli_type, coalesce(r.period_days, 30) AS period_days,
       r.generated_at AS generated_at,
       r.expires_at AS expires_at, r.targets AS targets
