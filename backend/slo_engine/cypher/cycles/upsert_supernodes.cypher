// One supernode per strongly connected component, containing its member services.
// parameters: $rows [{scc_id, members}], $now
// columns: contained
UNWIND $rows AS row
MERGE (n:Supernode {scc_id: row.scc_id})
ON CREATE SET n.created_at = $now
SET n.members = row.members, n.size = size(row.members)
WITH n, row
UNWIND row.members AS member
MATCH (s:Service {service_id: member})
MERGE (n)-[:CONTAINS]->(s)
RETURN count(*) AS contained
