// Deletes the priors of classes a new fit no longer has (a criticality that fell below
// the pooling minimum must fall back to the fleet's prior, not keep an old one).
// parameters: $classes
// columns: deleted
MATCH (p:ForecastPrior)
WHERE NOT p.prior_class IN $classes
DELETE p
RETURN count(p) AS deleted
