// Records an accepted submission before it is processed.
// parameters: $ingestion_id, $source, $nodes_received, $edges_received, $now
// columns: ingestion_id
CREATE (i:Ingestion {ingestion_id: $ingestion_id, source: $source, status: 'processing',
                     nodes_received: $nodes_received, edges_received: $edges_received,
                     received_at: $now, updated_at: $now})
RETURN i.ingestion_id AS ingestion_id
