// Neo4j 5 constraints (each backed by an index) and indexes; idempotent.
// parameters: none
// columns: none
CREATE CONSTRAINT service_id_unique IF NOT EXISTS FOR (s:Service) REQUIRE s.service_id IS UNIQUE;
CREATE CONSTRAINT supernode_scc_id_unique IF NOT EXISTS FOR (n:Supernode) REQUIRE n.scc_id IS UNIQUE;
CREATE CONSTRAINT cycle_alert_id_unique IF NOT EXISTS FOR (c:CycleAlert) REQUIRE c.cycle_id IS UNIQUE;
CREATE CONSTRAINT ingestion_id_unique IF NOT EXISTS FOR (i:Ingestion) REQUIRE i.ingestion_id IS UNIQUE;
CREATE INDEX service_team IF NOT EXISTS FOR (s:Service) ON (s.team);
CREATE CONSTRAINT graph_state_name_unique IF NOT EXISTS FOR (v:GraphState) REQUIRE v.name IS UNIQUE;
CREATE CONSTRAINT recommendation_id_unique IF NOT EXISTS FOR (r:Recommendation) REQUIRE r.recommendation_id IS UNIQUE;
CREATE CONSTRAINT slo_id_unique IF NOT EXISTS FOR (o:SLO) REQUIRE o.slo_id IS UNIQUE;
CREATE CONSTRAINT audit_event_id_unique IF NOT EXISTS FOR (e:AuditEvent) REQUIRE e.event_id IS UNIQUE;
CREATE CONSTRAINT audit_event_sequence_unique IF NOT EXISTS FOR (e:AuditEvent) REQUIRE e.sequence IS UNIQUE;
CREATE INDEX audit_event_service IF NOT EXISTS FOR (e:AuditEvent) ON (e.service_id);
CREATE CONSTRAINT audit_head_chain_unique IF NOT EXISTS FOR (h:AuditHead) REQUIRE h.chain IS UNIQUE;
CREATE INDEX slo_service IF NOT EXISTS FOR (o:SLO) ON (o.service_id);
CREATE CONSTRAINT auto_approval_rule_id_unique IF NOT EXISTS FOR (r:AutoApprovalRule) REQUIRE r.rule_id IS UNIQUE;
CREATE CONSTRAINT api_key_id_unique IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.key_id IS UNIQUE;
CREATE CONSTRAINT sli_aggregate_key_unique IF NOT EXISTS FOR (a:SliAggregate) REQUIRE a.aggregate_key IS UNIQUE;
CREATE CONSTRAINT artifact_id_unique IF NOT EXISTS FOR (a:Artifact) REQUIRE a.artifact_id IS UNIQUE;
CREATE CONSTRAINT sli_id_unique IF NOT EXISTS FOR (x:Sli) REQUIRE x.sli_id IS UNIQUE;
CREATE CONSTRAINT simulation_id_unique IF NOT EXISTS FOR (m:Simulation) REQUIRE m.simulation_id IS UNIQUE;
CREATE CONSTRAINT journey_version_id_unique IF NOT EXISTS FOR (j:Journey) REQUIRE j.version_id IS UNIQUE;
CREATE INDEX journey_id IF NOT EXISTS FOR (j:Journey) ON (j.journey_id);
