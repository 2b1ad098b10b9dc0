// A service's SLIs, the approved one first, then candidates by rank.
// parameters: $service_id
// columns: sli_id, service_id, status, convention, rank, confidence, definition, body, override, approved_by, approved_at, discovered_at
MATCH (:Service {service_id: $service_id})-[:HAS_SLI]->(x:Sli)
RETURN x.sli_id AS sli_id, x.service_id AS service_id, x.status AS status,
       x.convention AS convention, x.rank AS rank, x.confidence AS confidence,
       x.definition AS definition, x.body AS body, x.override AS override,
       x.approved_by AS approved_by, x.approved_at AS approved_at,
       x.discovered_at AS discovered_at
ORDER BY CASE x.status WHEN 'approved' THEN 0 ELSE 1 END, x.rank, x.sli_id
