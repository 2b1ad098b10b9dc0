// One API key by its public id (revoked ones included: the caller checks revoked_at).
// parameters: $key_id
// columns: key_id, name, role, teams, secret_hash, created_by, created_at, revoked_at, acts_for_end_users
MATCH (k:ApiKey {key_id: $key_id})
RETURN k.key_id AS key_id, k.name AS name, k.role AS role, k.teams AS teams,
       k.secret_hash AS secret_hash, k.created_by AS created_by, k.created_at AS created_at,
       k.revoked_at AS revoked_at, k.acts_for_end_users AS acts_for_end_users
