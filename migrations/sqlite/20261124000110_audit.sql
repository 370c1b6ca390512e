-- Administrative Tools → Audit: what users changed outside a meeting's history (the Conference
-- Settings). The audit reads these beside the meetings' history lines written in a user's name.
CREATE TABLE audit_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms   INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    -- What changed.
    outcome TEXT    NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (at_ms);
-- The audit lists the meetings' history newest first, by user and dates.
CREATE INDEX meeting_events_by_time ON meeting_events (at_ms);
