-- Per-system permissions (the system page's Permissions tab). No row: the role rules apply.
CREATE TABLE system_access (
    system_id        INTEGER PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    -- 'everyone' (the role rules) or 'listed' (only the users below).
    booking          TEXT    NOT NULL CHECK (booking IN ('everyone', 'listed')),
    editing          TEXT    NOT NULL CHECK (editing IN ('everyone', 'listed')),
    changed_by       TEXT    NOT NULL,
    changed_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE system_access_users (
    system_id INTEGER NOT NULL REFERENCES system_access (system_id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    may_book  INTEGER NOT NULL DEFAULT 0 CHECK (may_book IN (0, 1)),
    may_edit  INTEGER NOT NULL DEFAULT 0 CHECK (may_edit IN (0, 1)),
    PRIMARY KEY (system_id, user_id)
);
