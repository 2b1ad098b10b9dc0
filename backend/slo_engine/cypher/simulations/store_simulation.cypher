// Stores a simulation linked to the service it simulated (SIMULATES) and to the SLO version
// it tested (TESTS, when $slo_id names a stored one). Simulations are never edited: no row
// when one with this id exists, or when the service does not.
// parameters: $service_id, $simulation_id, $slo_id, $simulation
// columns: simulation_id
MATCH (s:Service {service_id: $service_id})
OPTIONAL MATCH (existing:Simulation {simulation_id: $simulation_id})
WITH s, existing
WHERE existing IS NULL
OPTIONAL MATCH (o:SLO {slo_id: $slo_id})
CREATE (sim:Simulation)-[:SIMULATES]->(s)
SET sim += $simulation
FOREACH (_ IN CASE WHEN o IS NULL THEN [] ELSE [1] END | CREATE (sim)-[:TESTS]->(o))
RETURN sim.simulation_id AS simulation_id
