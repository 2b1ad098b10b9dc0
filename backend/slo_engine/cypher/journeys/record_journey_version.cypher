// Stores a new version of a journey, linked to the services it passes and superseding the
// latest version, with the audit event recording it, in one transaction. Nothing is
// written unless the chain head and the journey's latest version (0: none yet) are still
// what the caller read, and every step is a service. Versions are never edited.
// parameters: $journey_id, $expected_version, $journey, $steps, $previous_hash, $event, $now
// columns: version_id
MATCH (head:AuditHead {chain: 'slo'})
SET head.locked_at = $now
WITH head
WHERE head.hash = $previous_hash
OPTIONAL MATCH (latest:Journey {journey_id: $journey_id})
WITH head, max(latest.version) AS latest_version
WHERE coalesce(latest_version, 0) = $expected_version
MATCH (s:Service)
WHERE s.service_id IN $steps
WITH head, collect(s) AS services
WHERE size(services) = size($steps)
OPTIONAL MATCH (old:Journey {journey_id: $journey_id, version: $expected_version})
OPTIONAL MATCH (previous:AuditEvent {sequence: head.sequence})
CREATE (j:Journey)
SET j += $journey
FOREACH (_ IN CASE WHEN old IS NULL THEN [] ELSE [1] END | CREATE (j)-[:SUPERSEDES]->(old))
FOREACH (s IN services | CREATE (j)-[:PASSES]->(s))
CREATE (e:AuditEvent)-[:ABOUT]->(j)
SET e += $event
FOREACH (_ IN CASE WHEN previous IS NULL THEN [] ELSE [1] END | CREATE (e)-[:PREVIOUS]->(previous))
SET head.hash = $event.hash, head.sequence = $event.sequence
RETURN j.version_id AS version_id
