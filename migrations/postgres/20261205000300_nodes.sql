-- Several nodes: when the lease's holder took it; the engine's doorbell (bumped, with a NOTIFY
-- on channel `bridgekeeper_engine`, after a change the engine must act on now); placeholder
-- provisioning's progress, written by the node running it and read by every node.
ALTER TABLE engine_lease ADD COLUMN since_ms BIGINT NOT NULL DEFAULT 0;

CREATE TABLE engine_rings (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    rings BIGINT NOT NULL DEFAULT 0
);
INSERT INTO engine_rings (id) VALUES (1);

-- Ranges are `base+quantity` separated by commas.
CREATE TABLE provisioning_progress (
    system_id BIGINT PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    plan_create TEXT NOT NULL,
    plan_remove TEXT NOT NULL,
    plan_keep BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
