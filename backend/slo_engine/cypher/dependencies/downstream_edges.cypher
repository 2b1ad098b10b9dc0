// Edges out of the given services (what they call), with the callee's description.
// parameters: $service_ids, $include_stale
// columns: source, target, neighbour, neighbour_team, neighbour_criticality, neighbour_type, neighbour_discovered, communication_mode, criticality, protocol, timeout_ms, redundancy_group, sources, confidence_score, last_observed_at, is_stale
UNWIND $service_ids AS id
MATCH (a:Service {service_id: id})-[e:DEPENDS_ON]->(b:Service)
WHERE $include_stale OR e.is_stale = false
RETURN a.service_id AS source, b.service_id AS target, b.service_id AS neighbour,
       b.team AS neighbour_team, b.criticality AS neighbour_criticality,
       b.service_type AS neighbour_type, b.discovered AS neighbour_discovered,
       e.communication_mode AS communication_mode, e.criticality AS criticality,
       e.protocol AS protocol, e.timeout_ms AS timeout_ms,
       e.redundancy_group AS redundancy_group, e.sources AS sources,
       e.confidence_score AS confidence_score, e.last_observed_at AS last_observed_at,
       e.is_stale AS is_stale
