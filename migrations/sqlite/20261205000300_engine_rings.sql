-- The engine's doorbell: any process bumps `rings` after a change the engine must act on now;
-- the process holding the engine's lease watches it and wakes its engine.
CREATE TABLE engine_rings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rings INTEGER NOT NULL DEFAULT 0
);
INSERT INTO engine_rings (id) VALUES (1);
