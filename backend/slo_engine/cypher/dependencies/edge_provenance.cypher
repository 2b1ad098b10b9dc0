// What each source last said about the given edges, as stored JSON; edges are grouped by
// caller so each caller is looked up once.
// parameters: $groups [{source, targets: [service_id]}]
// columns: source, target, provenance
UNWIND $groups AS g
MATCH (a:Service {service_id: g.source})-[e:DEPENDS_ON]->(b:Service)
WHERE b.service_id IN g.targets
RETURN a.service_id AS source, b.service_id AS target, e.provenance AS provenance
