// Revokes a key that is not revoked yet; the record stays for the audit of who had access.
// parameters: $key_id, $now
// columns: key_id
MATCH (k:ApiKey {key_id: $key_id})
WHERE k.revoked_at IS NULL
SET k.revoked_at = $now
RETURN k.key_id AS key_id
