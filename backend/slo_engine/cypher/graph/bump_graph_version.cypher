// Counts changes to the dependency graph so readers know when their snapshot is old.
// parameters: $now
// columns: version
MERGE (v:GraphState {name: 'dependencies'})
ON CREATE SET v.version = 0
SET v.version = v.version + 1, v.updated_at = $now
RETURN v.version AS version
