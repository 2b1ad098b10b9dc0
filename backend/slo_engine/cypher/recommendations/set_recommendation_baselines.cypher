// Records the aggregates a recommendation's inputs are compared with from now on.
// parameters: $rows [{recommendation_id, baseline}]
// columns: updated
UNWIND $rows AS row
MATCH (r:Recommendation {recommendation_id: row.recommendation_id})
SET r.input_baseline = row.baseline
RETURN count(r) AS updated
