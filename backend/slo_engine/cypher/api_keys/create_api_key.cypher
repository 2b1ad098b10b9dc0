// Stores an issued API key: its id, owner attributes and the bcrypt hash of its secret.
// parameters: $key_id, $key_name, $role, $teams, $secret_hash, $created_by, $now, $acts_for_end_users
// columns: key_id
CREATE (k:ApiKey {key_id: $key_id, name: $key_name, role: $role, teams: $teams,
  secret_hash: $secret_hash, created_by: $created_by, created_at: $now,
  acts_for_end_users: $acts_for_end_users})
RETURN k.key_id AS key_id
