// Which of the given service ids are already stored.
// parameters: $service_ids
// columns: service_id
UNWIND $service_ids AS id
MATCH (s:Service {service_id: id})
RETURN s.service_id AS service_id
