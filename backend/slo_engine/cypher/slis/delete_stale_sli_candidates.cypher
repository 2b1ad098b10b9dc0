// Removes the candidates a discovery no longer found (approved SLIs stay).
// parameters: $service_id, $keep [sli_id]
// columns: deleted
MATCH (:Service {service_id: $service_id})-[:HAS_SLI]->(x:Sli)
WHERE x.status = 'candidate' AND NOT x.sli_id IN $keep
DETACH DELETE x
RETURN count(*) AS deleted
