// The head of the audit chain: the sequence and hash of its newest event (genesis first).
// parameters: $genesis_hash
// columns: sequence, hash
MERGE (head:AuditHead {chain: 'slo'})
ON CREATE SET head.sequence = 0, head.hash = $genesis_hash
RETURN head.sequence AS sequence, head.hash AS hash
