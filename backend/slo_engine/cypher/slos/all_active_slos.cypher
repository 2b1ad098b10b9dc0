// Every service's active SLO: what impact analysis compares projections against.
// parameters: none
// columns: service_id, properties
MATCH (s:Service)-[:ACTIVE_SLO]->(o:SLO)
RETURN s.service_id AS service_id, properties(o) AS properties
