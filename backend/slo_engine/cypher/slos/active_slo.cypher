// A service's active SLO version, if it has one.
// parameters: $service_id
// columns: properties
MATCH (:Service {service_id: $service_id})-[:ACTIVE_SLO]->(o:SLO)
RETURN properties(o) AS properties
