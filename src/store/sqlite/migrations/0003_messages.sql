-- 0003_messages.sql — stored mail, storage use, aliases and catch-all addresses.
-- Every table a user owns is keyed by account_id first, so PostgreSQL can distribute by it.

-- One row per message copy in one account: the encrypted parts (never plaintext: key packets,
-- data packet and the encrypted summary are OpenPGP, docs/formats/messages.md and summary.md)
-- and the small mutable metadata. Rows can be large, so this is an ordinary rowid table and
-- the primary key is an index beside it.
CREATE TABLE messages (
  account_id     INTEGER NOT NULL REFERENCES accounts (account_id),
  message_id     TEXT    NOT NULL,  -- 16 hex digits, random
  address_key    TEXT    NOT NULL,  -- the address it was delivered to, folded
  folder         TEXT    NOT NULL,
  flags          INTEGER NOT NULL DEFAULT 0,
  size           INTEGER NOT NULL CHECK (size >= 0),  -- what counts against the quota
  received_at_ms INTEGER NOT NULL,
  key_packets    BLOB    NOT NULL,  -- binary PKESK/SKESK packets, concatenated
  data_packet    BLOB    NOT NULL,  -- one SEIPD packet
  summary        BLOB    NOT NULL,  -- a binary OpenPGP message whose plaintext is the summary
  PRIMARY KEY (account_id, message_id)
);
CREATE INDEX messages_by_folder ON messages (account_id, folder, received_at_ms);

-- Bytes of all the account's messages, kept in the transaction that adds or removes one.
ALTER TABLE accounts ADD COLUMN used_bytes INTEGER NOT NULL DEFAULT 0 CHECK (used_bytes >= 0);

-- Another name for an existing address: mail to the alias is delivered to the target.
CREATE TABLE aliases (
  alias_key     TEXT    PRIMARY KEY,  -- folded as addresses.address_key
  alias         TEXT    NOT NULL,     -- as given
  target_key    TEXT    NOT NULL,     -- addresses.address_key of the target
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- The address that receives mail for unknown local parts of the domain; '' = none (550).
ALTER TABLE domains ADD COLUMN catch_all TEXT NOT NULL DEFAULT '';
