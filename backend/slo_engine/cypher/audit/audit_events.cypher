// Audit events after a sequence number, oldest first, with every stored property (the
// verifier hashes them all, so a property added behind the engine's back is caught too).
// parameters: $after_sequence, $limit
// columns: properties
MATCH (e:AuditEvent)
WHERE e.sequence > $after_sequence
RETURN properties(e) AS properties
ORDER BY e.sequence
LIMIT $limit
