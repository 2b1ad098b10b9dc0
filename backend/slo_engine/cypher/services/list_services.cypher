// One page of services in service_id order, after the cursor, with optional filters.
// parameters: $after, $limit, $team, $criticality, $discovered
// columns: service_id, team, criticality, tier, service_type, discovered, metadata, created_at, updated_at
MATCH (s:Service)
WHERE s.service_id > $after
  AND ($team IS NULL OR s.team = $team)
  AND ($criticality IS NULL OR s.criticality = $criticality)
  AND ($discovered IS NULL OR s.discovered = $discovered)
RETURN s.service_id AS service_id, s.team AS team, s.criticality AS criticality,
       s.tier AS tier, s.service_type AS service_type, s.discovered AS discovered,
       s.metadata AS metadata, s.created_at AS created_at, s.updated_at AS updated_at
ORDER BY service_id
LIMIT $limit
