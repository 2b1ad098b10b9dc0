// Marks a recommendation rejected and appends the audit event with the rationale, in one
// transaction, if the chain head and the recommendation's status are as the caller read.
// parameters: $service_id, $recommendation_id, $previous_hash, $event, $now
// columns: recommendation_id
MATCH (head:AuditHead {chain: 'slo'})
SET head.locked_at = $now
WITH head
WHERE head.hash = $previous_hash
MATCH (s:Service {service_id: $service_id})-[:HAS_RECOMMENDATION]->(r:Recommendation {recommendation_id: $recommendation_id})
WHERE r.status = 'active'
OPTIONAL MATCH (previous:AuditEvent {sequence: head.sequence})
SET r.status = 'rejected', r.decided_at = $now
CREATE (e:AuditEvent)-[:ABOUT]->(s)
SET e += $event
FOREACH (_ IN CASE WHEN previous IS NULL THEN [] ELSE [1] END | CREATE (e)-[:PREVIOUS]->(previous))
SET head.hash = $event.hash, head.sequence = $event.sequence
RETURN r.recommendation_id AS recommendation_id
