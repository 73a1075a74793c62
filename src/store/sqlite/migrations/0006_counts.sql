-- 0006_counts.sql — folder and label counts (total, unread) kept up to date by triggers, so a
-- listing with its counts costs the same at 100,000 messages as at 100: counting the index
-- took ~11 ms per 100,000 entries (docs/performance.md). Unread = flag bit 1 (seen) clear.
-- A row may remain at 0/0 after its folder or label empties; a missing row means 0/0.

CREATE TABLE folder_counts (
  account_id INTEGER NOT NULL,
  folder     TEXT    NOT NULL,  -- a system folder name or a user folder id
  total      INTEGER NOT NULL CHECK (total >= 0),
  unread     INTEGER NOT NULL CHECK (unread >= 0),
  PRIMARY KEY (account_id, folder)
) WITHOUT ROWID;

CREATE TABLE label_counts (
  account_id INTEGER NOT NULL,
  label_id   TEXT    NOT NULL,
  total      INTEGER NOT NULL CHECK (total >= 0),
  unread     INTEGER NOT NULL CHECK (unread >= 0),
  PRIMARY KEY (account_id, label_id),
  FOREIGN KEY (account_id, label_id) REFERENCES labels (account_id, label_id) ON DELETE CASCADE
) WITHOUT ROWID;

INSERT INTO folder_counts (account_id, folder, total, unread)
  SELECT account_id, folder, count(*), sum((flags & 1) = 0) FROM messages GROUP BY 1, 2;
INSERT INTO label_counts (account_id, label_id, total, unread)
  SELECT l.account_id, l.label_id, count(*), sum((m.flags & 1) = 0) FROM message_labels AS l
  JOIN messages AS m ON m.account_id = l.account_id AND m.message_id = l.message_id
  GROUP BY 1, 2;

CREATE TRIGGER messages_count_insert AFTER INSERT ON messages
BEGIN
  INSERT INTO folder_counts (account_id, folder, total, unread)
    VALUES (NEW.account_id, NEW.folder, 1, (NEW.flags & 1) = 0)
    ON CONFLICT (account_id, folder)
    DO UPDATE SET total = total + 1, unread = unread + excluded.unread;
END;

-- BEFORE: the message's labels are still there (ON DELETE CASCADE removes them after the
-- message row is gone, when message_labels_count_delete no longer finds the message).
CREATE TRIGGER messages_count_delete BEFORE DELETE ON messages
BEGIN
  UPDATE folder_counts SET total = total - 1, unread = unread - ((OLD.flags & 1) = 0)
    WHERE account_id = OLD.account_id AND folder = OLD.folder;
  UPDATE label_counts SET total = total - 1, unread = unread - ((OLD.flags & 1) = 0)
    WHERE account_id = OLD.account_id AND label_id IN (
      SELECT label_id FROM message_labels
      WHERE account_id = OLD.account_id AND message_id = OLD.message_id);
END;

CREATE TRIGGER messages_count_move AFTER UPDATE OF folder, flags ON messages
  WHEN OLD.folder IS NOT NEW.folder OR (OLD.flags & 1) IS NOT (NEW.flags & 1)
BEGIN
  UPDATE folder_counts SET total = total - 1, unread = unread - ((OLD.flags & 1) = 0)
    WHERE account_id = OLD.account_id AND folder = OLD.folder;
  INSERT INTO folder_counts (account_id, folder, total, unread)
    VALUES (NEW.account_id, NEW.folder, 1, (NEW.flags & 1) = 0)
    ON CONFLICT (account_id, folder)
    DO UPDATE SET total = total + 1, unread = unread + excluded.unread;
  UPDATE label_counts SET unread = unread - ((OLD.flags & 1) = 0) + ((NEW.flags & 1) = 0)
    WHERE account_id = NEW.account_id AND label_id IN (
      SELECT label_id FROM message_labels
      WHERE account_id = NEW.account_id AND message_id = NEW.message_id);
END;

CREATE TRIGGER message_labels_count_insert AFTER INSERT ON message_labels
BEGIN
  INSERT INTO label_counts (account_id, label_id, total, unread)
    SELECT NEW.account_id, NEW.label_id, 1, (flags & 1) = 0 FROM messages
    WHERE account_id = NEW.account_id AND message_id = NEW.message_id
    ON CONFLICT (account_id, label_id)
    DO UPDATE SET total = total + 1, unread = unread + excluded.unread;
END;

-- A label taken off a message that stays (a message deleted was counted by
-- messages_count_delete; a label deleted takes its label_counts row with it).
CREATE TRIGGER message_labels_count_delete AFTER DELETE ON message_labels
BEGIN
  UPDATE label_counts SET total = total - 1, unread = unread - (
      SELECT (flags & 1) = 0 FROM messages
      WHERE account_id = OLD.account_id AND message_id = OLD.message_id)
    WHERE account_id = OLD.account_id AND label_id = OLD.label_id AND EXISTS (
      SELECT 1 FROM messages WHERE account_id = OLD.account_id AND message_id = OLD.message_id);
END;
