-- Meeting servers, the call bridges discovered in their clusters, and tickets.
CREATE TABLE systems (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The canonical endpoint (`https://10.0.0.5:445`); one system per address.
    address             TEXT    NOT NULL UNIQUE,
    username            TEXT    NOT NULL,
    -- Encrypted at rest (XChaCha20-Poly1305, key from configuration or the key file).
    password_sealed     TEXT    NOT NULL,
    tls_mode            TEXT    NOT NULL CHECK (tls_mode IN ('verify', 'pinned', 'insecure')),
    pinned_pem          TEXT,
    name                TEXT    NOT NULL DEFAULT '',
    description         TEXT    NOT NULL DEFAULT '',
    software_version    TEXT,
    connectivity        TEXT    NOT NULL,
    cluster_enabled     INTEGER NOT NULL DEFAULT 0,
    call_profile_id     TEXT,
    call_leg_profile_id TEXT,
    created_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE call_bridges (
    system_id INTEGER NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
    bridge_id TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    address   TEXT,
    PRIMARY KEY (system_id, bridge_id)
);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    system_id       INTEGER REFERENCES systems (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    message         TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('open', 'acknowledged', 'closed')),
    raised_at       TEXT    NOT NULL,
    acknowledged_by TEXT,
    closed_at       TEXT
);

-- At most one live (open or acknowledged) automatic ticket of a kind per system.
CREATE UNIQUE INDEX tickets_one_live_per_kind
    ON tickets (system_id, kind) WHERE state <> 'closed' AND kind <> 'custom';
