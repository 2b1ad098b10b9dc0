// The most recent recommendation that was not superseded, for a service, SLI type,
// lookback and SLO period (one stored before periods were kept is a 30-day one).
// parameters: $service_id, $sli_type, $lookback_days, $period_days
// columns: recommendation_id, status, generated_at, expires_at, graph_version, body
MATCH (:Service {service_id: $service_id})-[:HAS_RECOMMENDATION]->(r:Recommendation)
WHERE r.sli_type = $sli_type AND r.lookback_days = $lookback_days
  AND coalesce(r.period_days, 30) = $period_days AND r.status <> 'superseded'
RETURN r.recommendation_id AS recommendation_id, r.status AS status,
       r.generated_at AS generated_at, r.expires_at AS expires_at,
       r.graph_version AS graph_version, r.body AS body
ORDER BY generated_at DESC
LIMIT 1
