// Replaces the fleet's forecast priors: one node per class of services ("fleet",
// "criticality:high", ...), holding the pooled hyperparameters as JSON text.
// parameters: $rows [{prior_class, body, services}], $now
// columns: stored
UNWIND $rows AS row
MERGE (p:ForecastPrior {prior_class: row.prior_class})
SET p.body = row.body, p.services = row.services, p.computed_at = $now
RETURN count(p) AS stored
