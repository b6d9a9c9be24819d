-- Comparison runs: jobs created by POST /api/v1/jobs/{id}/compare point at the job they compare
-- (the same spec once in FP32 and once per range estimator).
ALTER TABLE jobs ADD COLUMN comparison_of VARCHAR(36);
ALTER TABLE jobs ADD COLUMN variant VARCHAR(40);
CREATE INDEX jobs_comparison_of ON jobs (comparison_of, seq);
