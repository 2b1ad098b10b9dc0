// Every live (not stale) edge as a pair of service ids: the input of cycle detection.
// parameters: none
// columns: source, target
MATCH (a:Service)-[e:DEPENDS_ON]->(b:Service)
WHERE e.is_stale = false
RETURN a.service_id AS source, b.service_id AS target
