// The latest version of every journey, by name then id.
// parameters: none
// columns: properties
MATCH (j:Journey)
WITH j.journey_id AS journey_id, max(j.version) AS latest
MATCH (current:Journey {journey_id: journey_id, version: latest})
RETURN properties(current) AS properties
ORDER BY current.name, current.journey_id
