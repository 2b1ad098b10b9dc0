// Records each detected cycle once, remembering the ingestion that first found it; a cycle
// marked resolved that is detected again reopens.
// parameters: $rows [{cycle_id, cycle_path, members}], $ingestion_id, $now
// columns: cycle_id, is_new
UNWIND $rows AS row
MERGE (c:CycleAlert {cycle_id: row.cycle_id})
ON CREATE SET c.cycle_path = row.cycle_path, c.members = row.members,
              c.status = 'open', c.detected_at = $now, c.detected_by_ingestion = $ingestion_id
SET c.last_seen_at = $now,
    c.status = CASE WHEN c.status = 'resolved' THEN 'open' ELSE c.status END
RETURN c.cycle_id AS cycle_id, c.detected_by_ingestion = $ingestion_id AS is_new
