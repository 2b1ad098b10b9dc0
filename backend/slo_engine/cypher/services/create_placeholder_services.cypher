// Creates a discovered placeholder for each service an edge names that nobody has described.
// parameters: $service_ids, $rank, $now
// columns: created
UNWIND $service_ids AS id
MERGE (s:Service {service_id: id})
ON CREATE SET s.discovered = true,
              s.service_type = 'internal',
              s.metadata = '{}',
              s.metadata_rank = $rank,
              s.created_at = $now,
              s.updated_at = $now
RETURN count(s) AS created
