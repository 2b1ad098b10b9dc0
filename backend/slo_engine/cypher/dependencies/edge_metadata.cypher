// The free-form metadata of the given edges (discovery's observed latencies, attributes
// the model does not name), as stored JSON; edges are grouped by caller.
// parameters: $groups [{source, targets: [service_id]}]
// columns: source, target, metadata
UNWIND $groups AS g
MATCH (a:Service {service_id: g.source})-[e:DEPENDS_ON]->(b:Service)
WHERE b.service_id IN g.targets
RETURN a.service_id AS source, b.service_id AS target, e.metadata AS metadata
