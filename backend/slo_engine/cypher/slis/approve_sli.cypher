// Makes an SLI its service's approved one: an earlier approved one becomes a candidate
// again, and the service carries the approved definition for the snapshot's readers.
// parameters: $sli_id, $convention, $definition, $override, $approved_by, $now, $approved_sli
// columns: sli_id, service_id
MATCH (s:Service)-[:HAS_SLI]->(x:Sli {sli_id: $sli_id})
OPTIONAL MATCH (s)-[:HAS_SLI]->(old:Sli {status: 'approved'})
WITH s, x, [o IN collect(old) WHERE o.sli_id <> $sli_id] AS earlier
FOREACH (o IN earlier | SET o.status = 'candidate')
SET x.status = 'approved', x.convention = $convention, x.definition = $definition,
    x.override = $override, x.approved_by = $approved_by, x.approved_at = $now,
    s.approved_sli = $approved_sli
RETURN x.sli_id AS sli_id, s.service_id AS service_id
