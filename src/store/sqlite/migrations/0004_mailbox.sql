-- 0004_mailbox.sql — the mailbox model: user folders (nested), labels, flags, expiry, and the
-- indexes that keep listings and counts fast at 100,000 messages per account.
-- Every table a user owns is keyed by account_id first, so PostgreSQL can distribute by it.

-- When the message is deleted for good; 0 = never. Settable at delivery and afterwards.
ALTER TABLE messages ADD COLUMN expires_at_ms INTEGER NOT NULL DEFAULT 0 CHECK (expires_at_ms >= 0);

-- Listings of one folder, newest first, fully ordered by the index (message_id breaks ties),
-- and per-folder counts (total, unread) from the index alone: flags is carried in it.
DROP INDEX messages_by_folder;
CREATE INDEX messages_by_folder ON messages (account_id, folder, received_at_ms, message_id, flags);
-- All Mail (every folder but trash and spam), newest first; folder is carried for the filter.
CREATE INDEX messages_by_time ON messages (account_id, received_at_ms, message_id, folder);
-- The periodic expiry sweep across all accounts; only messages that expire are in it.
CREATE INDEX messages_by_expiry ON messages (expires_at_ms) WHERE expires_at_ms > 0;

-- User folders. The system folders (inbox, drafts, sent, archive, spam, trash) are not rows:
-- every account has them implicitly. parent_id is '' for a top-level folder, else the
-- folder_id of another folder of the same account (kept so by the code: '' cannot be a
-- foreign key).
CREATE TABLE folders (
  account_id    INTEGER NOT NULL REFERENCES accounts (account_id),
  folder_id     TEXT    NOT NULL,  -- 16 lower-case hex digits, random
  parent_id     TEXT    NOT NULL,
  name          TEXT    NOT NULL,  -- 1..255 bytes, no control characters; unique among siblings
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, folder_id),
  UNIQUE (account_id, parent_id, name)
) WITHOUT ROWID;

CREATE TABLE labels (
  account_id    INTEGER NOT NULL REFERENCES accounts (account_id),
  label_id      TEXT    NOT NULL,  -- 16 lower-case hex digits, random
  name          TEXT    NOT NULL,  -- 1..255 bytes, no control characters; unique in the account
  color         TEXT    NOT NULL,  -- 0..32 printable ASCII bytes, e.g. '#8080ff'
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, label_id),
  UNIQUE (account_id, name)
) WITHOUT ROWID;

-- Which labels a message carries. received_at_ms is the message's (it never changes), copied
-- here so that a label's listing is ordered by this table's index without sorting.
CREATE TABLE message_labels (
  account_id     INTEGER NOT NULL,
  message_id     TEXT    NOT NULL,
  label_id       TEXT    NOT NULL,
  received_at_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, message_id, label_id),
  FOREIGN KEY (account_id, message_id) REFERENCES messages (account_id, message_id)
    ON DELETE CASCADE,
  FOREIGN KEY (account_id, label_id) REFERENCES labels (account_id, label_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX message_labels_by_label
  ON message_labels (account_id, label_id, received_at_ms, message_id);
