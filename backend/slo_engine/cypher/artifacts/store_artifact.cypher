// Stores a generated artifact linked to the SLO version it came from, unless one with its
// id exists (the same SLO version, type and generator version): artifacts are never
// edited, so the stored one is returned either way, and `created` says which. No row: no
// such SLO.
// parameters: $slo_id, $artifact_id, $artifact
// columns: properties, created
MATCH (o:SLO {slo_id: $slo_id})
OPTIONAL MATCH (existing:Artifact {artifact_id: $artifact_id})
WITH o, existing IS NULL AS created
MERGE (a:Artifact {artifact_id: $artifact_id})
ON CREATE SET a += $artifact
MERGE (a)-[:GENERATED_FROM]->(o)
RETURN properties(a) AS properties, created
