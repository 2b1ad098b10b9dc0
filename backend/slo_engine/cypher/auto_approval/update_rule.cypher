// Replaces a rule's name, conditions and enabled flag.
// parameters: $rule_id, $rule_name, $conditions, $enabled, $now
// columns: rule_id
MATCH (r:AutoApprovalRule {rule_id: $rule_id})
SET r.name = $rule_name, r.conditions = $conditions, r.enabled = $enabled, r.updated_at = $now
RETURN r.rule_id AS rule_id
