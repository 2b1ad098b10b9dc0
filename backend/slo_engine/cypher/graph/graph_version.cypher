// The dependency graph's change counter (no rows before the first ingestion).
// parameters: none
// columns: version
MATCH (v:GraphState {name: 'dependencies'})
RETURN v.version AS version
