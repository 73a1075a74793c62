-- 0009_outbound_leases.sql — delivery workers claim outbound jobs with a lease: a job is
-- theirs until lease_until_ms, so several workers (and later several nodes) share the queue
-- and never hold the same job at once; a worker that dies simply lets its lease run out.

ALTER TABLE outbound ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE outbound ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;
