// Writes resolved edges: one DEPENDS_ON per ordered pair, attributes resolved by source
// priority; edges are grouped by caller so each caller is looked up once.
// parameters: $groups [{source, edges: [{target, communication_mode, criticality, protocol, timeout_ms, retry_config, redundancy_group, sources, confidence_score, last_observed_at, is_stale, provenance, metadata}]}], $now
// columns: upserted
UNWIND $groups AS g
MATCH (a:Service {service_id: g.source})
UNWIND g.edges AS row
MATCH (b:Service {service_id: row.target})
MERGE (a)-[e:DEPENDS_ON]->(b)
ON CREATE SET e.created_at = $now
SET e.communication_mode = row.communication_mode,
    e.criticality = row.criticality,
    e.protocol = row.protocol,
    e.timeout_ms = row.timeout_ms,
    e.retry_config = row.retry_config,
    e.redundancy_group = row.redundancy_group,
    e.sources = row.sources,
    e.confidence_score = row.confidence_score,
    e.last_observed_at = row.last_observed_at,
    e.is_stale = row.is_stale,
    e.provenance = row.provenance,
    e.metadata = row.metadata,
    e.updated_at = $now
RETURN count(e) AS upserted
