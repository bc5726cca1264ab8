-- Evidence images. Each is a cleaned (re-encoded, metadata-free), padded image as a raw binary age
-- file, sealed to the same recipients as the report or message it came with. Its type, size and
-- dimensions are inside the sealed report or message document, not here.
CREATE TABLE attachments (
    report_id   TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    -- 1, 2, 3 … within a report, across the report and its messages: the URL's {n}.
    n           INTEGER NOT NULL CHECK (n > 0),
    -- The message it came with; NULL when it came with the report itself.
    message_seq INTEGER CHECK (message_seq IS NULL OR message_seq > 0),
    ciphertext  BLOB NOT NULL CHECK (substr(ciphertext, 1, 21) = CAST('age-encryption.org/v1' AS BLOB)),
    PRIMARY KEY (report_id, n),
    FOREIGN KEY (report_id, message_seq) REFERENCES messages (report_id, seq) ON DELETE CASCADE
) STRICT;
