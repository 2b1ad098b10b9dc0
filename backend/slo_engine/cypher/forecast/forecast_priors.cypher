// Every stored forecast prior.
// parameters: none
// columns: prior_class, body, services, computed_at
MATCH (p:ForecastPrior)
RETURN p.prior_class AS prior_class, p.body AS body, p.services AS services,
       p.computed_at AS computed_at
ORDER BY prior_class
