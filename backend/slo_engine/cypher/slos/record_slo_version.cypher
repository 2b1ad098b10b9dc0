// Activates a new SLO version and appends the audit event recording it, in one transaction.
// Nothing is written unless the chain head, the service's active SLO and (when given) the
// recommendation's status are still what the caller read: a concurrent decision makes this
// return no row. The head is locked by writing it first (Neo4j lost-update rule).
// The old version is never edited: the new one SUPERSEDES it and takes over ACTIVE_SLO.
// parameters: $service_id, $expected_slo_id, $recommendation_id, $recommendation_status, $slo, $previous_hash, $event, $now
// columns: slo_id
MATCH (head:AuditHead {chain: 'slo'})
SET head.locked_at = $now
WITH head
WHERE head.hash = $previous_hash
MATCH (s:Service {service_id: $service_id})
OPTIONAL MATCH (s)-[active:ACTIVE_SLO]->(old:SLO)
WITH head, s, active, old
WHERE coalesce(old.slo_id, '') = $expected_slo_id
OPTIONAL MATCH (s)-[:HAS_RECOMMENDATION]->(r:Recommendation {recommendation_id: $recommendation_id})
WITH head, s, active, old, r
WHERE $recommendation_id IS NULL OR r.status = 'active'
OPTIONAL MATCH (previous:AuditEvent {sequence: head.sequence})
DELETE active
CREATE (s)-[:ACTIVE_SLO]->(new:SLO)
SET new += $slo
FOREACH (_ IN CASE WHEN old IS NULL THEN [] ELSE [1] END | CREATE (new)-[:SUPERSEDES]->(old))
FOREACH (_ IN CASE WHEN r IS NULL THEN [] ELSE [1] END |
  SET r.status = $recommendation_status, r.decided_at = $now)
CREATE (e:AuditEvent)-[:ABOUT]->(s)
SET e += $event
FOREACH (_ IN CASE WHEN previous IS NULL THEN [] ELSE [1] END | CREATE (e)-[:PREVIOUS]->(previous))
SET head.hash = $event.hash, head.sequence = $event.sequence
RETURN new.slo_id AS slo_id
