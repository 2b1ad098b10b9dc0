// Services and services with an active SLO, per team and criticality.
// parameters: none
// columns: team, criticality, services, with_slo
MATCH (s:Service)
WHERE coalesce(s.discovered, false) = false
OPTIONAL MATCH (s)-[:ACTIVE_SLO]->(o:SLO)
RETURN s.team AS team, s.criticality AS criticality, count(s) AS services,
       count(o) AS with_slo
