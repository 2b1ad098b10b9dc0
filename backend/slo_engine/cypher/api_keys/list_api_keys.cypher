// Every API key, oldest first.
// parameters: none
// columns: key_id, name, role, teams, secret_hash, created_by, created_at, revoked_at, acts_for_end_users
MATCH (k:ApiKey)
RETURN k.key_id AS key_id, k.name AS name, k.role AS role, k.teams AS teams,
       k.secret_hash AS secret_hash, k.created_by AS created_by, k.created_at AS created_at,
       k.revoked_at AS revoked_at, k.acts_for_end_users AS acts_for_end_users
ORDER BY created_at, key_id
