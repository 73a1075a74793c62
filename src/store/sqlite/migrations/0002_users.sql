-- 0002_users.sql — hosted domains, account credentials and keys, addresses, login sessions, SRP
-- challenges, the second factor, failed-login counters, invites and server secrets.
-- Every table a user owns is keyed by account_id first, so PostgreSQL can distribute by it.
-- Token and code hashes, salts, verifiers and secrets are BLOBs (opaque bytes); key documents
-- are TEXT (JSON the client wrote, docs/formats/keys.md). Empty means "none" unless noted.

CREATE TABLE domains (
  name          TEXT    PRIMARY KEY,  -- lower-case DNS name
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- What SRP login needs, the locked account key and the TOTP state, on the account row.
-- Accounts made before this version (by create_account) get empty credentials.
ALTER TABLE accounts ADD COLUMN plan              TEXT    NOT NULL DEFAULT 'default';
ALTER TABLE accounts ADD COLUMN disabled          INTEGER NOT NULL DEFAULT 0
  CHECK (disabled IN (0, 1));
ALTER TABLE accounts ADD COLUMN two_password_mode INTEGER NOT NULL DEFAULT 0
  CHECK (two_password_mode IN (0, 1));
ALTER TABLE accounts ADD COLUMN srp               TEXT    NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN srp_salt          BLOB    NOT NULL DEFAULT X'';
ALTER TABLE accounts ADD COLUMN srp_verifier      BLOB    NOT NULL DEFAULT X'';
ALTER TABLE accounts ADD COLUMN kdf               TEXT    NOT NULL DEFAULT '';
-- The same four for the recovery phrase, which logs in to recover the account.
ALTER TABLE accounts ADD COLUMN recovery_srp      TEXT    NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN recovery_salt     BLOB    NOT NULL DEFAULT X'';
ALTER TABLE accounts ADD COLUMN recovery_verifier BLOB    NOT NULL DEFAULT X'';
ALTER TABLE accounts ADD COLUMN recovery_kdf      TEXT    NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN account_key       TEXT    NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN totp_secret       BLOB    NOT NULL DEFAULT X'';
ALTER TABLE accounts ADD COLUMN totp_pending      BLOB    NOT NULL DEFAULT X'';
-- The newest TOTP time step accepted. Raised by a conditional UPDATE, so a code works once
-- even when two servers check it at the same moment.
ALTER TABLE accounts ADD COLUMN totp_last_step    INTEGER NOT NULL DEFAULT 0;

-- Every address of every account, the primary one included: this table, not
-- accounts.address_key, is what makes an address unique and what find_account searches.
-- position numbers an account's addresses in creation order; 1 is the primary address.
CREATE TABLE addresses (
  account_id    INTEGER NOT NULL REFERENCES accounts (account_id),
  position      INTEGER NOT NULL CHECK (position > 0),
  address       TEXT    NOT NULL,
  address_key   TEXT    NOT NULL UNIQUE,  -- ASCII letters lowered, as accounts.address_key
  key_record    TEXT    NOT NULL,
  key_list      TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (account_id, position)
) WITHOUT ROWID;

-- Accounts of version 1 had one address, on their row; it becomes their primary address.
INSERT INTO addresses (account_id, position, address, address_key, key_record, key_list,
                       created_at_ms)
SELECT account_id, 1, address, address_key, '', '', created_at_ms FROM accounts;

-- Login sessions. The tokens themselves are never stored, only their SHA-256 hashes, each
-- unique so that a token names at most one session. A session without a refresh token has
-- refresh_hash NULL (NULLs do not collide).
CREATE TABLE sessions (
  account_id         INTEGER NOT NULL REFERENCES accounts (account_id),
  session_id         TEXT    NOT NULL UNIQUE,
  scope              TEXT    NOT NULL,
  access_hash        BLOB    NOT NULL UNIQUE,
  refresh_hash       BLOB    UNIQUE,
  created_at_ms      INTEGER NOT NULL,
  access_expires_ms  INTEGER NOT NULL,
  refresh_expires_ms INTEGER NOT NULL,
  last_used_ms       INTEGER NOT NULL,
  client             TEXT    NOT NULL,
  PRIMARY KEY (account_id, session_id)
) WITHOUT ROWID;

-- The server half of SRP exchanges in flight, deleted when answered or found expired. Not
-- owned by an account: the client may name an address that does not exist.
CREATE TABLE srp_challenges (
  challenge_id  TEXT    PRIMARY KEY,
  address_key   TEXT    NOT NULL,
  purpose       TEXT    NOT NULL,
  server_secret BLOB    NOT NULL,
  server_public BLOB    NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Hashes of the unused TOTP recovery codes; a code is used by deleting its row.
CREATE TABLE recovery_codes (
  account_id INTEGER NOT NULL REFERENCES accounts (account_id),
  code_hash  BLOB    NOT NULL,
  PRIMARY KEY (account_id, code_hash)
) WITHOUT ROWID;

-- Failed logins per key ("ip:…", "account:…"), shared by every server on the database.
CREATE TABLE failures (
  key             TEXT    PRIMARY KEY,
  count           INTEGER NOT NULL CHECK (count > 0),
  last_failure_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Unused invites. address_key '' means the invite is not bound to an address.
CREATE TABLE invites (
  code_hash     BLOB    PRIMARY KEY,
  address       TEXT    NOT NULL,
  address_key   TEXT    NOT NULL,
  expires_at_ms INTEGER NOT NULL
) WITHOUT ROWID;

-- Secrets the servers share (e.g. a token signing key), created once by whichever server asks
-- first.
CREATE TABLE server_secrets (
  name          TEXT    PRIMARY KEY,
  value         BLOB    NOT NULL,
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
