// Appends an audit event that changes nothing else (expire, drift_triggered), if the chain
// head is still the one the event was hashed against. The head is locked by writing it
// first, so on Neo4j a concurrent append waits and then sees the new hash.
// parameters: $service_id, $previous_hash, $event, $now
// columns: sequence
MATCH (head:AuditHead {chain: 'slo'})
SET head.locked_at = $now
WITH head
WHERE head.hash = $previous_hash
MATCH (s:Service {service_id: $service_id})
OPTIONAL MATCH (previous:AuditEvent {sequence: head.sequence})
CREATE (e:AuditEvent)-[:ABOUT]->(s)
SET e += $event
FOREACH (_ IN CASE WHEN previous IS NULL THEN [] ELSE [1] END | CREATE (e)-[:PREVIOUS]->(previous))
SET head.hash = $event.hash, head.sequence = $event.sequence
RETURN e.sequence AS sequence
