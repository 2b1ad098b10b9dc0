// The metadata (JSON text) of each of these services that exists.
// parameters: $service_ids
// columns: service_id, metadata
MATCH (s:Service)
WHERE s.service_id IN $service_ids
RETURN s.service_id AS service_id, s.metadata AS metadata
