// Refreshes a service's candidate SLIs; an approved one keeps its status, definition and
// evidence (rediscovery never changes what a person approved).
// parameters: $service_id, $rows [{sli_id, convention, rank, confidence, definition, body}], $now
// columns: stored
MATCH (s:Service {service_id: $service_id})
UNWIND $rows AS row
MERGE (x:Sli {sli_id: row.sli_id})
ON CREATE SET x.status = 'candidate', x.service_id = $service_id, x.created_at = $now
MERGE (s)-[:HAS_SLI]->(x)
WITH x, row
WHERE x.status = 'candidate'
SET x.convention = row.convention, x.rank = row.rank, x.confidence = row.confidence,
    x.definition = row.definition, x.body = row.body, x.discovered_at = $now
RETURN count(x) AS stored
