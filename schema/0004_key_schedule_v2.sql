-- Two fixes from the outside review of December 2026 (SECURITY.md, advisory FLU-2026-01):
--
-- 1. The key schedule. Reports stored so far carry `code_hash = HMAC(server secret, code)`, which
--    is their reporter key's HKDF PRK: the database alone opened them. Each row gets a
--    `key_version`. Rows copied here get 0, "the raw v1 hash, not yet wrapped"; in the same
--    transaction the server replaces each such hash by HMAC(K_legacy_lookup, hash) and sets 1
--    (src/store.rs, `wrap_legacy_hashes`), then vacuums so no old hash survives in free pages.
--    New reports are written with version 2 (src/keys.rs).
-- 2. Arrival order. Rowid tables numbered reports, messages and attachments in the order they
--    came in; these tables are WITHOUT ROWID, keyed only by the random report id (and the
--    message's or image's place within its own report).
--
-- Applied with foreign keys off (src/store.rs), as SQLite's guide to rebuilding a table asks, so
-- dropping the old tables cascades nothing; a foreign key check runs before the commit.

CREATE TABLE reports_v2 (
    -- Opaque random id, 16 lower-case hex digits.
    id                 TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    -- The school's slug from the config.
    school             TEXT NOT NULL,
    -- The calendar date it arrived (Europe/Amsterdam), never a time of day.
    received_on        TEXT NOT NULL CHECK (received_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    status             TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'closed')),
    -- Version 2: HMAC-SHA256(K_code_lookup, normalised pickup code).
    -- Version 1: HMAC-SHA256(K_legacy_lookup, HMAC-SHA256(server secret, normalised code)).
    -- The code itself is never stored.
    code_hash          BLOB NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    -- How the reporter key follows from the code (src/keys.rs); 0 only inside this migration.
    key_version        INTEGER NOT NULL CHECK (key_version IN (0, 1, 2)),
    -- The age recipient derived from the pickup code, so later messages reach the pupil too.
    reporter_recipient TEXT NOT NULL CHECK (reporter_recipient LIKE 'age1%'),
    -- The padded report document as a raw binary age file.
    ciphertext         BLOB NOT NULL CHECK (substr(ciphertext, 1, 21) = CAST('age-encryption.org/v1' AS BLOB))
) STRICT, WITHOUT ROWID;

INSERT INTO reports_v2 (id, school, received_on, status, code_hash, key_version, reporter_recipient, ciphertext)
    SELECT id, school, received_on, status, code_hash, 0, reporter_recipient, ciphertext FROM reports;

CREATE TABLE messages_v2 (
    report_id  TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    -- 1, 2, 3 … within a report: the order of the conversation.
    seq        INTEGER NOT NULL CHECK (seq > 0),
    -- 'pupil' and 'adviser' messages are encrypted to the advisers and the reporter; 'note' only
    -- to the advisers.
    author     TEXT NOT NULL CHECK (author IN ('pupil', 'adviser', 'note')),
    -- The calendar date it was written, never a time of day.
    sent_on    TEXT NOT NULL CHECK (sent_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    ciphertext BLOB NOT NULL CHECK (substr(ciphertext, 1, 21) = CAST('age-encryption.org/v1' AS BLOB)),
    PRIMARY KEY (report_id, seq)
) STRICT, WITHOUT ROWID;

INSERT INTO messages_v2 (report_id, seq, author, sent_on, ciphertext)
    SELECT report_id, seq, author, sent_on, ciphertext FROM messages;

CREATE TABLE attachments_v2 (
    report_id   TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    -- 1, 2, 3 … within a report, across the report and its messages: the URL's {n}.
    n           INTEGER NOT NULL CHECK (n > 0),
    -- The message it came with; NULL when it came with the report itself.
    message_seq INTEGER CHECK (message_seq IS NULL OR message_seq > 0),
    ciphertext  BLOB NOT NULL CHECK (substr(ciphertext, 1, 21) = CAST('age-encryption.org/v1' AS BLOB)),
    PRIMARY KEY (report_id, n),
    FOREIGN KEY (report_id, message_seq) REFERENCES messages (report_id, seq) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

INSERT INTO attachments_v2 (report_id, n, message_seq, ciphertext)
    SELECT report_id, n, message_seq, ciphertext FROM attachments;

DROP TABLE attachments;
DROP TABLE messages;
DROP TABLE reports;
ALTER TABLE reports_v2 RENAME TO reports;
ALTER TABLE messages_v2 RENAME TO messages;
ALTER TABLE attachments_v2 RENAME TO attachments;

CREATE INDEX reports_by_school ON reports (school, status, received_on);
