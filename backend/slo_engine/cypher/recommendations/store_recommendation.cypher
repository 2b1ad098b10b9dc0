// Stores a newly generated recommendation as the active one; the previous active one for
// the same SLI type, lookback and SLO period becomes superseded (never deleted). Those
// stored before periods were kept have none: they were all 30-day ones.
// parameters: $service_id, $recommendation_id, $sli_type, $lookback_days, $period_days, $graph_version, $body, $targets, $now, $expires_at
// columns: recommendation_id
MATCH (s:Service {service_id: $service_id})
OPTIONAL MATCH (s)-[:HAS_RECOMMENDATION]->(old:Recommendation)
WHERE old.status = 'active' AND old.sli_type = $sli_type AND old.lookback_days = $lookback_days
  AND coalesce(old.period_days, 30) = $period_days
SET old.status = 'superseded', old.superseded_at = $now
WITH DISTINCT s
CREATE (s)-[:HAS_RECOMMENDATION]->(r:Recommendation {
  recommendation_id: $recommendation_id, status: 'active', sli_type: $sli_type,
  lookback_days: $lookback_days, period_days: $period_days, graph_version: $graph_version,
  body: $body, targets: $targets, generated_at: $now, expires_at: $expires_at})
RETURN r.recommendation_id AS recommendation_id
