// Cycle alerts, newest first, optionally of one status.
// parameters: $status
// columns: cycle_id, cycle_path, members, status, detected_at, last_seen_at, updated_at, acknowledged_by, resolution_notes
MATCH (c:CycleAlert)
WHERE $status IS NULL OR c.status = $status
RETURN c.cycle_id AS cycle_id, c.cycle_path AS cycle_path, c.members AS members,
       c.status AS status, c.detected_at AS detected_at, c.last_seen_at AS last_seen_at,
       c.updated_at AS updated_at, c.acknowledged_by AS acknowledged_by,
       c.resolution_notes AS resolution_notes
ORDER BY detected_at DESC, cycle_id
