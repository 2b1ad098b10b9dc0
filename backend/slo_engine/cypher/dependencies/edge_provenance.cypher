// What each source last said about the given ordered pairs, as stored JSON.
// parameters: $pairs [[source, target]]
// columns: source, target, provenance
UNWIND $pairs AS pair
MATCH (a:Service {service_id: pair[0]})-[e:DEPENDS_ON]->(b:Service {service_id: pair[1]})
RETURN a.service_id AS source, b.service_id AS target, e.provenance AS provenance
