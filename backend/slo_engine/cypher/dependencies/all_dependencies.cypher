// Every edge with its resolved attributes: the input of the in-process snapshot.
// parameters: none
// columns: source, target, communication_mode, criticality, protocol, timeout_ms, redundancy_group, sources, confidence_score, last_observed_at, is_stale
MATCH (a:Service)-[e:DEPENDS_ON]->(b:Service)
RETURN a.service_id AS source, b.service_id AS target,
       e.communication_mode AS communication_mode, e.criticality AS criticality,
       e.protocol AS protocol, e.timeout_ms AS timeout_ms,
       e.redundancy_group AS redundancy_group, e.sources AS sources,
       e.confidence_score AS confidence_score, e.last_observed_at AS last_observed_at,
       e.is_stale AS is_stale
