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
