// One ingestion and its outcome.
// parameters: $ingestion_id
// columns: ingestion_id, source, status, nodes_received, edges_received, received_at, completed_at, result
MATCH (i:Ingestion {ingestion_id: $ingestion_id})
RETURN i.ingestion_id AS ingestion_id, i.source AS source, i.status AS status,
       i.nodes_received AS nodes_received, i.edges_received AS edges_received,
       i.received_at AS received_at, i.completed_at AS completed_at, i.result AS result
