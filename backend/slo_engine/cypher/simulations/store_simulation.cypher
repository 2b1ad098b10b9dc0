// Stores a simulation linked to the service it simulated (SIMULATES) and to the SLO version
// it tested (TESTS, when $slo_id names a stored one), and appends the audit event recording
// it, in one transaction. Nothing is written unless the chain head is still the one the
// event was hashed against and no simulation with this id exists: then no row. The head is
// locked by writing it first (Neo4j lost-update rule).
// parameters: $service_id, $simulation_id, $slo_id, $simulation, $previous_hash, $event, $now
// columns: simulation_id
MATCH (head:AuditHead {chain: 'slo'})
SET head.locked_at = $now
WITH head
WHERE head.hash = $previous_hash
MATCH (s:Service {service_id: $service_id})
OPTIONAL MATCH (existing:Simulation {simulation_id: $simulation_id})
WITH head, s, existing
WHERE existing IS NULL
OPTIONAL MATCH (o:SLO {slo_id: $slo_id})
OPTIONAL MATCH (previous:AuditEvent {sequence: head.sequence})
CREATE (sim:Simulation)-[:SIMULATES]->(s)
SET sim += $simulation
FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | CREATE (sim)-[:TESTS]->(o))
CREATE (e:AuditEvent)-[:ABOUT]->(s)
SET e += $event
FOREACH (_ IN CASE WHEN previous IS NULL THEN [] ELSE [1] END | CREATE (e)-[:PREVIOUS]->(previous))
SET head.hash = $event.hash, head.sequence = $event.sequence
RETURN sim.simulation_id AS simulation_id
