-- Tenancy: every job, comparison and dataset belongs to the API key that created it; admin keys
-- see and act on all. Keys can be revoked (kept, for the names in job histories); names are unique.

ALTER TABLE api_keys ADD COLUMN admin BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE api_keys ADD COLUMN revoked_at TIMESTAMP WITH TIME ZONE;
-- before this migration every key was the bootstrap (HINDSIGHT_API_KEY) or the generated key: admin keys
UPDATE api_keys SET admin = TRUE;
-- names become unique: a rotated bootstrap key left several rows named 'bootstrap'
UPDATE api_keys SET name = CONCAT(name, '-', id)
  WHERE name IN (SELECT name FROM api_keys GROUP BY name HAVING COUNT(*) > 1);
CREATE UNIQUE INDEX api_keys_name ON api_keys (name);

-- uploads made before this migration have no owner: only admin keys see them
ALTER TABLE datasets ADD COLUMN owner_key VARCHAR(36);
CREATE INDEX datasets_owner ON datasets (owner_key);

-- quota counts (active jobs per key) and per-key listings
CREATE INDEX jobs_owner_status ON jobs (owner_key, status);

-- the name of the key that made a status change (submission, cancellation); NULL for the workers' changes
ALTER TABLE job_status_history ADD COLUMN key_name VARCHAR(200);
