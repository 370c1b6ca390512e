-- The scheduler engine's lease: one row. Only the process holding an unexpired lease runs the
-- engine, monitoring and the other background work. `epoch` is the fencing number: it grows on
-- every acquisition, and every recorded engine step checks holder, epoch and expiry in its own
-- transaction, so a process that lost the lease cannot record anything.
CREATE TABLE engine_lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT,
    epoch INTEGER NOT NULL DEFAULT 0,
    expires_ms INTEGER NOT NULL DEFAULT 0
);
INSERT INTO engine_lease (id) VALUES (1);
