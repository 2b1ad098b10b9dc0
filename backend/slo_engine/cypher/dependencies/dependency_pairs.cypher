// Every live (not stale) edge, grouped by caller: the input of cycle detection.
// parameters: none
// columns: source, targets
MATCH (a:Service)-[e:DEPENDS_ON]->(b:Service)
WHERE e.is_stale = false
RETURN a.service_id AS source, collect(b.service_id) AS targets
