// One service's audit events, newest first.
// parameters: $service_id, $limit
// columns: properties
MATCH (e:AuditEvent)
WHERE e.service_id = $service_id
RETURN properties(e) AS properties
ORDER BY e.sequence DESC
LIMIT $limit
