// The store of recommendations before SLO periods were kept (main up to December 2026):
// no period_days property.
// parameters: $service_id, $recommendation_id, $sli_type, $lookback_days, $graph_version, $body, $targets, $now, $expires_at
// columns: recommendation_id
MATCH (s:Service {service_id: $service_id})
OPTIONAL MATCH (s)-[:HAS_RECOMMENDATION]->(old:Recommendation)
WHERE old.status = 'active' AND old.sli_type = $sli_type AND old.lookback_days = $lookback_days
SET old.status = 'superseded', old.superseded_at = $now
WITH DISTINCT s
CREATE (s)-[:HAS_RECOMMENDATION]->(r:Recommendation {
  recommendation_id: $recommendation_id, status: 'active', sli_type: $sli_type,
  lookback_days: $lookback_days, graph_version: $graph_version, body: $body, targets: $targets,
  generated_at: $now, expires_at: $expires_at})
RETURN r.recommendation_id AS recommendation_id
