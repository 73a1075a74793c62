-- 0001_initial.sql — migration bookkeeping, accounts, and the per-account event log.
-- Every table a user owns is keyed by account_id first, so PostgreSQL can distribute by it.

CREATE TABLE schema_migrations (
  version       INTEGER PRIMARY KEY,
  name          TEXT    NOT NULL,
  applied_at_ms INTEGER NOT NULL
);

CREATE TABLE accounts (
  account_id    INTEGER PRIMARY KEY,
  address       TEXT    NOT NULL,
  -- address with ASCII letters lowered (store/internal/rules.h): what uniqueness compares.
  address_key   TEXT    NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL,
  -- cursor of the account's newest event; incremented in the transaction that appends it, so
  -- cursors follow commit order without gaps.
  last_cursor   INTEGER NOT NULL DEFAULT 0 CHECK (last_cursor >= 0)
);

-- Rows are small (payloads are metadata, never message bodies), so the table is clustered on
-- its key: events_after is one range scan.
CREATE TABLE events (
  account_id    INTEGER NOT NULL REFERENCES accounts (account_id),
  cursor        INTEGER NOT NULL CHECK (cursor > 0),
  kind          TEXT    NOT NULL,
  payload       BLOB    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, cursor)
) WITHOUT ROWID;
