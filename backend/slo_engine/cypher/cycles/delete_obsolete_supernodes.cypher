// Removes supernodes whose component no longer exists.
// parameters: $scc_ids
// columns: deleted
MATCH (n:Supernode)
WHERE NOT n.scc_id IN $scc_ids
DETACH DELETE n
RETURN count(*) AS deleted
