-- Retention (DESIGN.md "Retention", issue 12): each school deletes a case a set number of days
-- after it was closed, or after its last activity; an adviser may hold a case against that.
--
-- `closed_on` is the calendar date (Europe/Amsterdam, never a time of day) the case was last
-- set to closed; NULL while it is new or open. Reopening clears it.
-- `held` is the legal hold: a held case is never deleted by the sweep (src/retention.rs).
--
-- Cases that are closed already get the date this migration runs as their `closed_on`, set by
-- src/store.rs in the same transaction (SQLite's date('now') is UTC, not the Dutch date). Their
-- real closing date was never stored, and counting from the upgrade means nothing is deleted
-- the moment a school upgrades: each school gets its full `delete_closed_after_days` first.
ALTER TABLE reports ADD COLUMN closed_on TEXT
    CHECK (closed_on IS NULL OR closed_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]');
ALTER TABLE reports ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));

-- The date this install started keeping retention: the inactivity clock of every case counts
-- from its last activity, but never from before this date, for the same reason as above. One
-- row, written by src/store.rs together with this file. It is the upgrade's date, not a
-- case's: nothing here is tied to a pupil.
CREATE TABLE retention_start (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    started_on TEXT NOT NULL CHECK (started_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]')
) STRICT, WITHOUT ROWID;
