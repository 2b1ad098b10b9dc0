// Creates or updates described services; a less trusted source (higher rank) never
// overwrites what a more trusted one set, but always fills in a discovered placeholder.
// parameters: $rows [{service_id, team, criticality, tier, service_type, metadata, sli_queries}], $rank, $now
// columns: upserted
UNWIND $rows AS row
MERGE (s:Service {service_id: row.service_id})
ON CREATE SET s.created_at = $now, s.metadata_rank = $rank, s.discovered = false
WITH s, row
WHERE s.metadata_rank >= $rank
SET s.team = row.team,
    s.criticality = row.criticality,
    s.tier = row.tier,
    s.service_type = row.service_type,
    s.metadata = row.metadata,
    s.sli_queries = row.sli_queries,
    s.discovered = false,
    s.metadata_rank = $rank,
    s.updated_at = $now
RETURN count(s) AS upserted
