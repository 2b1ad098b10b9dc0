// Every service, with what a traversal shows of each: the input of the in-process snapshot.
// parameters: none
// columns: service_id, team, criticality, service_type, discovered, sli_queries, approved_sli
MATCH (s:Service)
RETURN s.service_id AS service_id, s.team AS team, s.criticality AS criticality,
       s.service_type AS service_type, s.discovered AS discovered,
       s.sli_queries AS sli_queries, s.approved_sli AS approved_sli
