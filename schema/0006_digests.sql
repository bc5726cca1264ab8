-- Digest bookkeeping (DESIGN.md "Notifications"): for each school and each address its digests go
-- to, what the last digest delivered there had counted, so the next one counts exactly what
-- arrived since, and nothing twice.
--
-- Dates only have a day, so "since the last digest" cannot be read off the reports' dates when
-- several digests go out on one day. It is kept as a date and two counts: the day of the last
-- delivered digest and how many of the school's reports and pupil messages of that day it had
-- counted. What arrived later that day is the difference. No report id, no time of day: a copy of
-- this table says at most that some of a day's reports came after that day's last digest, which
-- the digest's own timestamp says anyway, and not which ones.
CREATE TABLE digests (
    -- The school's slug from the config.
    school            TEXT NOT NULL,
    -- The address as the config lists it (staff addresses; they are in the config anyway).
    address           TEXT NOT NULL,
    -- The calendar date (Europe/Amsterdam) of the last digest delivered to this address, or of
    -- the day the address was first seen, before its first digest.
    through_on        TEXT NOT NULL CHECK (through_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    -- How many of the school's reports with received_on = through_on that digest counted.
    reports_on        INTEGER NOT NULL CHECK (reports_on >= 0),
    -- How many of the school's pupil messages with sent_on = through_on that digest counted.
    pupil_messages_on INTEGER NOT NULL CHECK (pupil_messages_on >= 0),
    -- The date the last digest was delivered to this address; NULL before the first.
    sent_on           TEXT CHECK (sent_on IS NULL OR sent_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    PRIMARY KEY (school, address)
) STRICT, WITHOUT ROWID;
