// Deletes a rule (decisions it made stay in the audit trail, which names it).
// parameters: $rule_id
// columns: deleted
MATCH (r:AutoApprovalRule {rule_id: $rule_id})
DELETE r
RETURN count(*) AS deleted
