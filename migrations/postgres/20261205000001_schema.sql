-- The same schema as migrations/sqlite/ (its final state), in PostgreSQL's words: BIGSERIAL ids,
-- BOOLEAN flags, and every instant as Unix milliseconds (UTC) in a BIGINT, as on SQLite. The
-- constraints are those of SQLite's schema, one for one.

-- Portal users. The session epoch is bumped whenever a user's sessions must end (password reset,
-- disabled), so a session holding an older epoch is no longer honoured.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'scheduler', 'helpdesk')),
    password_hash TEXT    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    session_epoch BIGINT  NOT NULL DEFAULT 0,
    created_ms    BIGINT  NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT
);

-- Meeting servers, the call bridges discovered in their clusters, and tickets.
CREATE TABLE systems (
    id                   BIGSERIAL PRIMARY KEY,
    -- The canonical endpoint (`https://10.0.0.5:445`); one system per address.
    address              TEXT    NOT NULL UNIQUE,
    username             TEXT    NOT NULL,
    -- Encrypted at rest (XChaCha20-Poly1305, key from configuration or the key file).
    password_sealed      TEXT    NOT NULL,
    tls_mode             TEXT    NOT NULL CHECK (tls_mode IN ('verify', 'pinned', 'insecure')),
    pinned_pem           TEXT,
    name                 TEXT    NOT NULL DEFAULT '',
    description          TEXT    NOT NULL DEFAULT '',
    software_version     TEXT,
    connectivity         TEXT    NOT NULL,
    cluster_enabled      BOOLEAN NOT NULL DEFAULT FALSE,
    call_profile_id      TEXT,
    call_leg_profile_id  TEXT,
    created_ms           BIGINT  NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT,
    -- Extended Settings (Domain, Numeric ID Base, Numeric ID Quantity) and what was last
    -- provisioned.
    sip_domain           TEXT,
    id_base              BIGINT,
    id_quantity          BIGINT,
    provisioned_base     BIGINT,
    provisioned_quantity BIGINT
);

CREATE TABLE call_bridges (
    system_id BIGINT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    bridge_id TEXT   NOT NULL,
    name      TEXT   NOT NULL,
    address   TEXT,
    PRIMARY KEY (system_id, bridge_id)
);

CREATE TABLE tickets (
    id              BIGSERIAL PRIMARY KEY,
    system_id       BIGINT REFERENCES systems (id) ON DELETE CASCADE,
    kind            TEXT   NOT NULL,
    severity        TEXT   NOT NULL,
    message         TEXT   NOT NULL,
    state           TEXT   NOT NULL CHECK (state IN ('open', 'acknowledged', 'closed')),
    raised_ms       BIGINT NOT NULL,
    acknowledged_by TEXT,
    closed_ms       BIGINT,
    -- Who added a custom ticket; the portal's own tickets have none.
    raised_by       TEXT
);
-- At most one live (open or acknowledged) automatic ticket of a kind per system; a failed meeting
-- raises its own ticket, so several of those may be live for one system at once.
CREATE UNIQUE INDEX tickets_one_live_per_kind
    ON tickets (system_id, kind) WHERE state <> 'closed' AND kind NOT IN ('custom', 'meeting_failed');
-- The Ticketing Service lists newest first, most often only open and acknowledged tickets.
CREATE INDEX tickets_by_state ON tickets (state, id);
-- A system's tickets by state: the open-ticket count of every systems list.
CREATE INDEX tickets_by_system ON tickets (system_id, state);

-- The placeholder spaces Bridgekeeper created (only these are ever touched).
CREATE TABLE placeholders (
    system_id   BIGINT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    idx         BIGINT NOT NULL,
    co_space_id TEXT   NOT NULL,
    PRIMARY KEY (system_id, idx)
);

-- Booked conferences, their meetings (one per occurrence) and each meeting's history.
CREATE TABLE conferences (
    id              BIGSERIAL PRIMARY KEY,
    owner_id        BIGINT  NOT NULL REFERENCES users (id),
    owner_name      TEXT    NOT NULL,
    conference_type TEXT    NOT NULL CHECK (conference_type IN ('automatic_connect', 'no_connect', 'reservation')),
    -- True when Bridgekeeper chose the system (the first with capacity, preferred first).
    auto_system     BOOLEAN NOT NULL DEFAULT FALSE,
    time_zone       TEXT    NOT NULL,
    -- Digits, shown to those who may see the booking; never logged.
    passcode        TEXT,
    notes           TEXT    NOT NULL DEFAULT '',
    -- `daily;count=5`, `weekly:mon,wed;until=2026-12-31`; NULL for a single meeting.
    recurrence      TEXT,
    created_at      BIGINT  NOT NULL
);

CREATE TABLE conference_participants (
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    position      BIGINT NOT NULL,
    uri           TEXT   NOT NULL,
    PRIMARY KEY (conference_id, position)
);
CREATE INDEX conference_participants_by_uri ON conference_participants (uri);

CREATE TABLE meetings (
    id              BIGSERIAL PRIMARY KEY,
    conference_id   BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    occurrence      BIGINT NOT NULL,
    title           TEXT   NOT NULL,
    start_ms        BIGINT NOT NULL,
    end_ms          BIGINT NOT NULL CHECK (end_ms > start_ms),
    system_id       BIGINT NOT NULL REFERENCES systems (id),
    state           TEXT   NOT NULL CHECK (state IN ('pending', 'starting', 'ongoing', 'ending',
                                                     'finished', 'defective', 'failed', 'cancelled')),
    -- The placeholder it holds from Starting until it is put back.
    placeholder_idx BIGINT,
    co_space_id     TEXT,
    -- The live call and the call bridge it lives on.
    call_id         TEXT,
    call_endpoint   TEXT,
    -- Bumped when the dress changes (extension, title); the engine re-dresses until applied.
    dress_version   BIGINT NOT NULL DEFAULT 0,
    applied_dress   BIGINT NOT NULL DEFAULT 0,
    -- The next try after a failed step, and how many tries so far.
    retry_at_ms     BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    -- When the call was created (punctuality).
    call_created_ms BIGINT,
    failure         TEXT,
    ticket_id       BIGINT REFERENCES tickets (id) ON DELETE SET NULL,
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
    id         BIGSERIAL PRIMARY KEY,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    at_ms      BIGINT NOT NULL,
    -- The user; NULL for the scheduler engine.
    actor      TEXT,
    action     TEXT   NOT NULL,
    outcome    TEXT   NOT NULL
);
CREATE INDEX meeting_events_by_meeting ON meeting_events (meeting_id, id);
-- The audit lists the meetings' history newest first, by user and dates.
CREATE INDEX meeting_events_by_time ON meeting_events (at_ms);

-- Administrative Tools → Conference Settings: one row.
CREATE TABLE conference_settings (
    id                       BIGINT PRIMARY KEY CHECK (id = 1),
    default_title            TEXT   NOT NULL,
    default_duration_minutes BIGINT NOT NULL,
    start_early_minutes      BIGINT NOT NULL,
    extend_step_minutes      BIGINT NOT NULL,
    preferred_system_id      BIGINT REFERENCES systems (id) ON DELETE SET NULL,
    changed_by               TEXT
);
INSERT INTO conference_settings VALUES (1, 'Scheduled Meeting', 60, 0, 15, NULL, NULL);

-- Edit Settings beyond name and description, and the Alternate IP with its own credentials.
CREATE TABLE system_settings (
    system_id                 BIGINT PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    ip_zone                   TEXT    NOT NULL DEFAULT '',
    time_zone                 TEXT    NOT NULL DEFAULT '',
    web_bridge_uri            TEXT    NOT NULL DEFAULT '',
    system_contact            TEXT    NOT NULL DEFAULT '',
    alert_contact_when_booked BOOLEAN NOT NULL DEFAULT FALSE,
    sip_mode                  BOOLEAN NOT NULL DEFAULT TRUE,
    allow_booking             BOOLEAN NOT NULL DEFAULT TRUE,
    allow_outgoing_sip        BOOLEAN NOT NULL DEFAULT TRUE,
    allow_incoming_sip        BOOLEAN NOT NULL DEFAULT TRUE,
    -- The failover target: one of the cluster's call bridges (canonical endpoint), used only
    -- when the primary cannot be reached.
    alternate_address         TEXT,
    alternate_username        TEXT,
    -- Encrypted at rest like the primary's password.
    alternate_password_sealed TEXT
);

-- What the last poll of a system's primary read from `/system/status`.
CREATE TABLE system_status (
    system_id            BIGINT PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    polled_ms            BIGINT NOT NULL,
    uptime_seconds       BIGINT,
    call_legs_active     BIGINT,
    call_legs_max_active BIGINT,
    call_legs_completed  BIGINT,
    audio_bit_rate_out   BIGINT,
    audio_bit_rate_in    BIGINT,
    video_bit_rate_out   BIGINT,
    video_bit_rate_in    BIGINT,
    -- NULL when no alternate is configured.
    alternate_reachable  BOOLEAN
);

-- Ticket kinds hidden for a system: never raised for it.
CREATE TABLE ticket_filters (
    system_id BIGINT NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    kind      TEXT   NOT NULL,
    PRIMARY KEY (system_id, kind)
);

-- The connector's API trace, already masked. Rows belong to the endpoint that was spoken to
-- (a system's address or its alternate); old rows are pruned after the retention period.
CREATE TABLE api_trace (
    id               BIGSERIAL PRIMARY KEY,
    at_ms            BIGINT NOT NULL,
    endpoint         TEXT   NOT NULL,
    method           TEXT   NOT NULL,
    path             TEXT   NOT NULL,
    request_body     TEXT,
    status           BIGINT,
    duration_ms      BIGINT NOT NULL,
    response_excerpt TEXT   NOT NULL,
    error            TEXT
);
CREATE INDEX api_trace_by_endpoint ON api_trace (endpoint, id);
CREATE INDEX api_trace_by_time ON api_trace (at_ms);

-- Per-system permissions (the system page's Permissions tab). No row: the role rules apply.
CREATE TABLE system_access (
    system_id  BIGINT PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    -- 'everyone' (the role rules) or 'listed' (only the users below).
    booking    TEXT   NOT NULL CHECK (booking IN ('everyone', 'listed')),
    editing    TEXT   NOT NULL CHECK (editing IN ('everyone', 'listed')),
    changed_by TEXT   NOT NULL,
    changed_ms BIGINT NOT NULL
);

CREATE TABLE system_access_users (
    system_id BIGINT  NOT NULL REFERENCES system_access (system_id) ON DELETE CASCADE,
    user_id   BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    may_book  BOOLEAN NOT NULL DEFAULT FALSE,
    may_edit  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (system_id, user_id)
);

-- The Navigator's folder tree. A system outside every folder sits at the top.
CREATE TABLE folders (
    id        BIGSERIAL PRIMARY KEY,
    parent_id BIGINT REFERENCES folders (id),
    name      TEXT   NOT NULL
);

CREATE TABLE folder_systems (
    system_id BIGINT PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    folder_id BIGINT NOT NULL REFERENCES folders (id) ON DELETE CASCADE
);

-- Administrative Tools → Audit: what users changed outside a meeting's history.
CREATE TABLE audit_events (
    id      BIGSERIAL PRIMARY KEY,
    at_ms   BIGINT NOT NULL,
    actor   TEXT   NOT NULL,
    action  TEXT   NOT NULL,
    subject TEXT   NOT NULL,
    -- What changed.
    outcome TEXT   NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (at_ms);

-- The scheduler engine's lease: one row. Only the process holding an unexpired lease runs the
-- engine, monitoring and the other background work. `epoch` is the fencing number: it grows on
-- every acquisition, and every recorded engine step checks holder, epoch and expiry in its own
-- transaction (holding the row with FOR UPDATE), so a process that lost the lease cannot record
-- anything.
CREATE TABLE engine_lease (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    holder     TEXT,
    epoch      BIGINT NOT NULL DEFAULT 0,
    expires_ms BIGINT NOT NULL DEFAULT 0
);
INSERT INTO engine_lease (id) VALUES (1);
