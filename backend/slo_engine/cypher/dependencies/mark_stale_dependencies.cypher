// Flags edges no source refreshed since the cutoff; stale edges are kept, never deleted.
// parameters: $cutoff, $now
// columns: marked
MATCH (:Service)-[e:DEPENDS_ON]->(:Service)
WHERE e.is_stale = false AND e.last_observed_at < $cutoff
SET e.is_stale = true, e.updated_at = $now
RETURN count(e) AS marked
