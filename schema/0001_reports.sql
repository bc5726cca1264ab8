-- Reports as the server keeps them: everything a pupil wrote is inside `ciphertext` (an age file).
-- Nothing here may identify a pupil: no address, no user agent, no time of day (DESIGN.md).
CREATE TABLE reports (
    -- Opaque random id, 16 lower-case hex digits.
    id                 TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 16),
    -- The school's slug from the config.
    school             TEXT NOT NULL,
    -- The calendar date it arrived (Europe/Amsterdam), never a time of day.
    received_on        TEXT NOT NULL CHECK (received_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    status             TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'closed')),
    -- HMAC-SHA256(server secret, normalised pickup code); the code itself is never stored.
    code_hash          BLOB NOT NULL UNIQUE CHECK (length(code_hash) = 32),
    -- The age recipient derived from the pickup code, so later messages reach the pupil too.
    reporter_recipient TEXT NOT NULL CHECK (reporter_recipient LIKE 'age1%'),
    -- The padded report document as a raw binary age file.
    ciphertext         BLOB NOT NULL CHECK (substr(ciphertext, 1, 21) = CAST('age-encryption.org/v1' AS BLOB))
) STRICT;

CREATE INDEX reports_by_school ON reports (school, status, received_on);
