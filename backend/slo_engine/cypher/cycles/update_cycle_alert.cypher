// Acknowledges or resolves a cycle alert, recording who and why.
// parameters: $cycle_id, $status, $acknowledged_by, $resolution_notes, $now
// columns: cycle_id
MATCH (c:CycleAlert {cycle_id: $cycle_id})
SET c.status = $status,
    c.acknowledged_by = coalesce($acknowledged_by, c.acknowledged_by),
    c.resolution_notes = coalesce($resolution_notes, c.resolution_notes),
    c.updated_at = $now
RETURN c.cycle_id AS cycle_id
