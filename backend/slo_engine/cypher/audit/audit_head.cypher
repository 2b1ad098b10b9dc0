// The head of the audit chain, if it exists yet.
// parameters: none
// columns: sequence, hash
MATCH (head:AuditHead {chain: 'slo'})
RETURN head.sequence AS sequence, head.hash AS hash
