-- Every message after the report: the pupil's follow-ups, the advisers' replies and the advisers'
-- private notes. Only age ciphertext; the author kind and the date are all that is in clear.
CREATE TABLE messages (
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
) STRICT;
