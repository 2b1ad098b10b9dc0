// Creates an auto-approval rule.
// parameters: $rule_id, $rule_name, $conditions, $enabled, $created_by, $now
// columns: rule_id
CREATE (r:AutoApprovalRule {rule_id: $rule_id, name: $rule_name, conditions: $conditions,
  enabled: $enabled, created_by: $created_by, created_at: $now, updated_at: $now})
RETURN r.rule_id AS rule_id
