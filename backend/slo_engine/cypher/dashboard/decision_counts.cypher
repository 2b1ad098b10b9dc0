// Audit events per action, team and criticality of the service they are about.
// parameters: none
// columns: team, criticality, action, events
MATCH (e:AuditEvent)-[:ABOUT]->(s:Service)
RETURN s.team AS team, s.criticality AS criticality, e.action AS action, count(e) AS events
