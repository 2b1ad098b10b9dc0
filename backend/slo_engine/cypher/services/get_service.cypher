// One service with its direct dependency counts and the cycle (supernode) it belongs to.
// parameters: $service_id
// columns: service_id, team, criticality, tier, service_type, discovered, metadata, created_at, updated_at, downstream_count, upstream_count, scc_id
MATCH (s:Service {service_id: $service_id})
OPTIONAL MATCH (s)-[d:DEPENDS_ON]->(:Service)
WITH s, count(d) AS downstream_count
OPTIONAL MATCH (:Service)-[u:DEPENDS_ON]->(s)
WITH s, downstream_count, count(u) AS upstream_count
OPTIONAL MATCH (n:Supernode)-[:CONTAINS]->(s)
RETURN s.service_id AS service_id, s.team AS team, s.criticality AS criticality,
       s.tier AS tier, s.service_type AS service_type, s.discovered AS discovered,
       s.metadata AS metadata, s.created_at AS created_at, s.updated_at AS updated_at,
       downstream_count, upstream_count, n.scc_id AS scc_id
