// FalkorDB indexes, one statement per line block ending in ';'. Uniqueness constraints are
// not Cypher on FalkorDB: the adapter issues GRAPH.CONSTRAINT for each UNIQUE_KEYS entry.
// parameters: none
// columns: none
CREATE INDEX FOR (s:Service) ON (s.service_id);
CREATE INDEX FOR (s:Service) ON (s.team);
CREATE INDEX FOR (n:Supernode) ON (n.scc_id);
CREATE INDEX FOR (c:CycleAlert) ON (c.cycle_id);
CREATE INDEX FOR (i:Ingestion) ON (i.ingestion_id);
CREATE INDEX FOR (v:GraphState) ON (v.name);
CREATE INDEX FOR (r:Recommendation) ON (r.recommendation_id);
CREATE INDEX FOR (o:SLO) ON (o.slo_id);
CREATE INDEX FOR (e:AuditEvent) ON (e.event_id);
CREATE INDEX FOR (e:AuditEvent) ON (e.sequence);
CREATE INDEX FOR (e:AuditEvent) ON (e.service_id);
CREATE INDEX FOR (h:AuditHead) ON (h.chain);
CREATE INDEX FOR (o:SLO) ON (o.service_id);
CREATE INDEX FOR (r:AutoApprovalRule) ON (r.rule_id);
CREATE INDEX FOR (k:ApiKey) ON (k.key_id);
CREATE INDEX FOR (a:SliAggregate) ON (a.aggregate_key);
CREATE INDEX FOR (a:Artifact) ON (a.artifact_id);
CREATE INDEX FOR (x:Sli) ON (x.sli_id);
CREATE INDEX FOR (m:Simulation) ON (m.simulation_id);
CREATE INDEX FOR (j:Journey) ON (j.version_id);
CREATE INDEX FOR (j:Journey) ON (j.journey_id);
