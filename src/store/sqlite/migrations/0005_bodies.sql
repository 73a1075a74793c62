-- 0005_bodies.sql — message bodies stored once: the data packet (the encrypted body, the large
-- part of a message) moves out of `messages` into `bodies`, shared by the copies of one
-- delivery (the recipients of a message sent on this server, the recipients of an inbound
-- message). A copy keeps its own key packets, summary and metadata; changing its folder or
-- flags no longer rewrites the body. Bodies are not keyed by account: on a distributed
-- PostgreSQL they are distributed by body_id (docs/formats/store-sqlite.md).

CREATE TABLE bodies (
  body_id     INTEGER PRIMARY KEY,
  data_packet BLOB    NOT NULL,  -- one SEIPD packet
  refs        INTEGER NOT NULL CHECK (refs >= 0)  -- messages rows pointing here
);

ALTER TABLE messages ADD COLUMN body_id INTEGER REFERENCES bodies (body_id);
INSERT INTO bodies (body_id, data_packet, refs) SELECT rowid, data_packet, 1 FROM messages;
UPDATE messages SET body_id = rowid;
ALTER TABLE messages DROP COLUMN data_packet;

-- Whatever deletes a copy (delete, empty trash, expiry) releases its body; the last one frees it.
CREATE TRIGGER messages_release_body AFTER DELETE ON messages
BEGIN
  UPDATE bodies SET refs = refs - 1 WHERE body_id = OLD.body_id;
  DELETE FROM bodies WHERE body_id = OLD.body_id AND refs = 0;
END;
