-- Issue 5, system management: the settings beyond name and description (Edit Settings), the
-- Alternate IP with its own credentials, the last status monitoring saw, ticket filters and the
-- connector's API trace (the Logs tab).

CREATE TABLE system_settings (
    system_id                 INTEGER PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    ip_zone                   TEXT    NOT NULL DEFAULT '',
    time_zone                 TEXT    NOT NULL DEFAULT '',
    web_bridge_uri            TEXT    NOT NULL DEFAULT '',
    system_contact            TEXT    NOT NULL DEFAULT '',
    alert_contact_when_booked INTEGER NOT NULL DEFAULT 0,
    sip_mode                  INTEGER NOT NULL DEFAULT 1,
    allow_booking             INTEGER NOT NULL DEFAULT 1,
    allow_outgoing_sip        INTEGER NOT NULL DEFAULT 1,
    allow_incoming_sip        INTEGER NOT NULL DEFAULT 1,
    -- The failover target: one of the cluster's call bridges (canonical endpoint), used only
    -- when the primary cannot be reached.
    alternate_address         TEXT,
    alternate_username        TEXT,
    -- Encrypted at rest like the primary's password.
    alternate_password_sealed TEXT
);

-- What the last poll of a system's primary read from `/system/status`.
CREATE TABLE system_status (
    system_id            INTEGER PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    polled_at            TEXT    NOT NULL,
    uptime_seconds       INTEGER,
    call_legs_active     INTEGER,
    call_legs_max_active INTEGER,
    call_legs_completed  INTEGER,
    audio_bit_rate_out   INTEGER,
    audio_bit_rate_in    INTEGER,
    video_bit_rate_out   INTEGER,
    video_bit_rate_in    INTEGER,
    -- NULL when no alternate is configured.
    alternate_reachable  INTEGER
);

-- Ticket kinds hidden for a system: never raised for it.
CREATE TABLE ticket_filters (
    system_id INTEGER NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL,
    PRIMARY KEY (system_id, kind)
);

-- Every path that raises a ticket inserts a row; a hidden kind is dropped here, in one place.
CREATE TRIGGER tickets_hidden_by_filter BEFORE INSERT ON tickets
WHEN NEW.system_id IS NOT NULL AND NEW.kind <> 'custom' AND EXISTS
    (SELECT 1 FROM ticket_filters f WHERE f.system_id = NEW.system_id AND f.kind = NEW.kind)
BEGIN
    SELECT RAISE(IGNORE);
END;

-- The connector's API trace, already masked. Rows belong to the endpoint that was spoken to
-- (a system's address or its alternate); old rows are pruned after the retention period.
CREATE TABLE api_trace (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               TEXT    NOT NULL,
    endpoint         TEXT    NOT NULL,
    method           TEXT    NOT NULL,
    path             TEXT    NOT NULL,
    request_body     TEXT,
    status           INTEGER,
    duration_ms      INTEGER NOT NULL,
    response_excerpt TEXT    NOT NULL,
    error            TEXT
);
CREATE INDEX api_trace_by_endpoint ON api_trace (endpoint, id);
CREATE INDEX api_trace_by_time ON api_trace (at);
