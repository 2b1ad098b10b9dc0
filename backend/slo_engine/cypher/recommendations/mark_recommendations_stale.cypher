// Marks the active recommendations of services whose inputs moved (or drifted) as stale.
// parameters: $rows [{service_id, reason}], $now
// columns: service_id, recommendation_id
UNWIND $rows AS row
MATCH (s:Service {service_id: row.service_id})-[:HAS_RECOMMENDATION]->(r:Recommendation)
WHERE r.status = 'active' AND r.stale_since IS NULL
SET r.stale_since = $now, r.stale_reason = row.reason
RETURN s.service_id AS service_id, r.recommendation_id AS recommendation_id
