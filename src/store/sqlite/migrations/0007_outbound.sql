-- 0007_outbound.sql — the outbound queue: messages for addresses on other servers, queued in
-- the transaction that stores the sender's Sent copy. `message` is sealed at rest by the
-- server (docs/formats/outbound-queue.md); the store never reads it.

CREATE TABLE outbound (
  job_id          TEXT    NOT NULL PRIMARY KEY,  -- 16 lower-case hex digits, random
  account_id      INTEGER NOT NULL REFERENCES accounts (account_id),
  sender          TEXT    NOT NULL,  -- envelope sender
  recipients      TEXT    NOT NULL,  -- JSON array of envelope recipients, 1..100
  message         BLOB    NOT NULL,
  created_at_ms   INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error      TEXT    NOT NULL DEFAULT ''
);
-- The workers' question: which jobs are due.
CREATE INDEX outbound_due ON outbound (next_attempt_ms);
