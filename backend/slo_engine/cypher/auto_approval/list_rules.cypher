// Every auto-approval rule, oldest first.
// parameters: none
// columns: rule_id, name, conditions, enabled, created_by, created_at, updated_at
MATCH (r:AutoApprovalRule)
RETURN r.rule_id AS rule_id, r.name AS name, r.conditions AS conditions,
       r.enabled AS enabled, r.created_by AS created_by, r.created_at AS created_at,
       r.updated_at AS updated_at
ORDER BY created_at, rule_id
