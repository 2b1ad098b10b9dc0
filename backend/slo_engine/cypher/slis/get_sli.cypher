// One SLI by its id.
// parameters: $sli_id
// columns: sli_id, service_id, status, convention, rank, confidence, definition, body, override, approved_by, approved_at, discovered_at
MATCH (x:Sli {sli_id: $sli_id})
RETURN x.sli_id AS sli_id, x.service_id AS service_id, x.status AS status,
       x.convention AS convention, x.rank AS rank, x.confidence AS confidence,
       x.definition AS definition, x.body AS body, x.override AS override,
       x.approved_by AS approved_by, x.approved_at AS approved_at,
       x.discovered_at AS discovered_at
