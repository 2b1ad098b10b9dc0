// Stores the outcome of processing a submission.
// parameters: $ingestion_id, $status, $result, $now
// columns: ingestion_id
MATCH (i:Ingestion {ingestion_id: $ingestion_id})
SET i.status = $status, i.result = $result, i.completed_at = $now, i.updated_at = $now
RETURN i.ingestion_id AS ingestion_id
