-- 0008_uploads.sql — message bodies uploaded ahead of the message that uses them: a client
-- streams a large data packet (POST /api/v1/uploads) and then sends or saves a draft that
-- names it. An upload holds one reference on its body; a delivery that uses it takes the body
-- over (its copies' references) and deletes the upload. Uploads never used are pruned after
-- kUploadLifetimeMs (store.h).

CREATE TABLE uploads (
  upload_id     TEXT    NOT NULL PRIMARY KEY,  -- 16 lower-case hex digits, random
  account_id    INTEGER NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
  body_id       INTEGER NOT NULL REFERENCES bodies (body_id),
  size          INTEGER NOT NULL CHECK (size > 0),
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX uploads_by_account ON uploads (account_id);
CREATE INDEX uploads_by_age ON uploads (created_at_ms);

CREATE TRIGGER uploads_release_body AFTER DELETE ON uploads
BEGIN
  UPDATE bodies SET refs = refs - 1 WHERE body_id = OLD.body_id;
  DELETE FROM bodies WHERE body_id = OLD.body_id AND refs = 0;
END;
