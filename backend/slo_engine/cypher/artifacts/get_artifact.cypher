// One generated artifact by id.
// parameters: $artifact_id
// columns: properties
MATCH (a:Artifact {artifact_id: $artifact_id})
RETURN properties(a) AS properties
