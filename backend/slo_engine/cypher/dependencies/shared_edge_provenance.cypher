// What each source last said about those of the given edges that some source other than
// $only_source also reports. Ingesting $only_source's report of any other edge replaces
// that edge's only observation, so its stored provenance is not read (nor sent) at all.
// Edges are grouped by caller so each caller is looked up once.
// parameters: $groups [{source, targets: [service_id]}], $only_source
// columns: source, target, provenance
UNWIND $groups AS g
MATCH (a:Service {service_id: g.source})-[e:DEPENDS_ON]->(b:Service)
WHERE b.service_id IN g.targets AND coalesce(e.sources, []) <> [$only_source]
RETURN a.service_id AS source, b.service_id AS target, e.provenance AS provenance
