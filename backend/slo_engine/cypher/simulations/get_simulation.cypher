// One stored simulation by id.
// parameters: $simulation_id
// columns: properties
MATCH (sim:Simulation {simulation_id: $simulation_id})
RETURN properties(sim) AS properties
