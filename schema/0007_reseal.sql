-- Adviser lifecycle (DESIGN.md, issue 13): each stored age file remembers which set of recipients
-- it was sealed for, besides the pupil: the fingerprint (src/recipients.rs) of the school's
-- advisers and recovery key at the time. A reseal compares it with the school's current set to
-- know what still needs sealing again, without reading any age header; the inbox says a reseal is
-- due while any item of a school differs.
--
-- Public information only: a hash of public recipients, never of anything secret. NULL means
-- "not known": every file written before this schema, and a reply whose client did not say; such
-- a file counts as due until a reseal has sealed it for the current set.

ALTER TABLE reports ADD COLUMN sealed_for TEXT
    CHECK (sealed_for IS NULL OR (length(sealed_for) = 16 AND sealed_for NOT GLOB '*[^0-9a-f]*'));
ALTER TABLE messages ADD COLUMN sealed_for TEXT
    CHECK (sealed_for IS NULL OR (length(sealed_for) = 16 AND sealed_for NOT GLOB '*[^0-9a-f]*'));
ALTER TABLE attachments ADD COLUMN sealed_for TEXT
    CHECK (sealed_for IS NULL OR (length(sealed_for) = 16 AND sealed_for NOT GLOB '*[^0-9a-f]*'));
