-- Booked conferences, their meetings (one per occurrence) and each meeting's history.
-- Instants are Unix milliseconds (UTC).
CREATE TABLE conferences (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id        INTEGER NOT NULL REFERENCES users (id),
    owner_name      TEXT    NOT NULL,
    conference_type TEXT    NOT NULL CHECK (conference_type IN ('automatic_connect', 'no_connect', 'reservation')),
    -- 1 when Bridgekeeper chose the system (the first with capacity, preferred first).
    auto_system     INTEGER NOT NULL DEFAULT 0,
    time_zone       TEXT    NOT NULL,
    -- Digits, shown to those who may see the booking; never logged.
    passcode        TEXT,
    notes           TEXT    NOT NULL DEFAULT '',
    -- `daily;count=5`, `weekly:mon,wed;until=2026-12-31`; NULL for a single meeting.
    recurrence      TEXT,
    created_at      INTEGER NOT NULL
);

CREATE TABLE conference_participants (
    conference_id INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    uri           TEXT    NOT NULL,
    PRIMARY KEY (conference_id, position)
);
CREATE INDEX conference_participants_by_uri ON conference_participants (uri);

CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conference_id   INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    occurrence      INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    start_ms        INTEGER NOT NULL,
    end_ms          INTEGER NOT NULL CHECK (end_ms > start_ms),
    system_id       INTEGER NOT NULL REFERENCES systems (id),
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'starting', 'ongoing', 'ending',
                                                      'finished', 'defective', 'failed', 'cancelled')),
    -- The placeholder it holds from Starting until it is put back.
    placeholder_idx INTEGER,
    co_space_id     TEXT,
    -- The live call and the call bridge it lives on.
    call_id         TEXT,
    call_endpoint   TEXT,
    -- Bumped when the dress changes (extension, title); the engine re-dresses until applied.
    dress_version   INTEGER NOT NULL DEFAULT 0,
    applied_dress   INTEGER NOT NULL DEFAULT 0,
    -- The next try after a failed step, and how many tries so far.
    retry_at_ms     INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- When the call was created (punctuality).
    call_created_ms INTEGER,
    failure         TEXT,
    ticket_id       INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    UNIQUE (conference_id, occurrence)
);
CREATE INDEX meetings_by_time ON meetings (start_ms, end_ms);
CREATE INDEX meetings_live ON meetings (state) WHERE state NOT IN ('finished', 'defective', 'failed', 'cancelled');
-- One meeting per placeholder at a time: two starts can never dress the same space.
CREATE UNIQUE INDEX meetings_one_per_placeholder
    ON meetings (system_id, placeholder_idx)
    WHERE placeholder_idx IS NOT NULL AND state IN ('starting', 'ongoing', 'ending');

-- Every lifecycle step (before, after, failed, with the CMS outcome) and every user action.
CREATE TABLE meeting_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    at_ms      INTEGER NOT NULL,
    -- The user; NULL for the scheduler engine.
    actor      TEXT,
    action     TEXT    NOT NULL,
    outcome    TEXT    NOT NULL
);
CREATE INDEX meeting_events_by_meeting ON meeting_events (meeting_id, id);

-- Administrative Tools → Conference Settings: one row.
CREATE TABLE conference_settings (
    id                       INTEGER PRIMARY KEY CHECK (id = 1),
    default_title            TEXT    NOT NULL,
    default_duration_minutes INTEGER NOT NULL,
    start_early_minutes      INTEGER NOT NULL,
    extend_step_minutes      INTEGER NOT NULL,
    preferred_system_id      INTEGER REFERENCES systems (id) ON DELETE SET NULL,
    changed_by               TEXT
);
INSERT INTO conference_settings VALUES (1, 'Scheduled Meeting', 60, 0, 15, NULL, NULL);

-- A failed meeting raises its own ticket: several may be live for one system at once.
DROP INDEX tickets_one_live_per_kind;
CREATE UNIQUE INDEX tickets_one_live_per_kind
    ON tickets (system_id, kind) WHERE state <> 'closed' AND kind NOT IN ('custom', 'meeting_failed');
