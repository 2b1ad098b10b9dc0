// A service's stored simulations, newest first, without their bodies.
// parameters: $service_id, $limit
// columns: simulation_id, service_id, created_at, requested_by, run_mode, inputs, summary, content_hash, slo_id, slo_version, estimated_seconds
MATCH (sim:Simulation)-[:SIMULATES]->(:Service {service_id: $service_id})
RETURN sim.simulation_id AS simulation_id, sim.service_id AS service_id,
       sim.created_at AS created_at, sim.requested_by AS requested_by,
       sim.run_mode AS run_mode, sim.inputs AS inputs, sim.summary AS summary,
       sim.content_hash AS content_hash, sim.slo_id AS slo_id,
       sim.slo_version AS slo_version, sim.estimated_seconds AS estimated_seconds
ORDER BY created_at DESC, simulation_id
LIMIT $limit
