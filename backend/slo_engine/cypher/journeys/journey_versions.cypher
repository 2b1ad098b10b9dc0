// Every version of one journey, newest first, with the services each passes.
// parameters: $journey_id
// columns: properties, passes
MATCH (j:Journey {journey_id: $journey_id})
OPTIONAL MATCH (j)-[:PASSES]->(s:Service)
WITH j, collect(s.service_id) AS passes
RETURN properties(j) AS properties, passes
ORDER BY j.version DESC
