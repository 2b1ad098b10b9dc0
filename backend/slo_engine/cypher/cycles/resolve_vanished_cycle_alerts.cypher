// Resolves alerts for cycles that are no longer in the graph.
// parameters: $cycle_ids, $now
// columns: cycle_id
MATCH (c:CycleAlert)
WHERE c.status <> 'resolved' AND NOT c.cycle_id IN $cycle_ids
SET c.status = 'resolved', c.updated_at = $now,
    c.resolution_notes = 'No longer detected in the dependency graph.'
RETURN c.cycle_id AS cycle_id
