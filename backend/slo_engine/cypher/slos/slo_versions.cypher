// Every SLO version of a service, newest first (versions are never edited).
// parameters: $service_id
// columns: properties
MATCH (o:SLO)
WHERE o.service_id = $service_id
RETURN properties(o) AS properties
ORDER BY o.version DESC
