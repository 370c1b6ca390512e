-- Placeholder provisioning's progress, written by the process running it and read by every
-- process serving the database: one row per system, the last report and when it was written.
-- Ranges are `base+quantity` separated by commas.
CREATE TABLE provisioning_progress (
    system_id INTEGER PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    plan_create TEXT NOT NULL,
    plan_remove TEXT NOT NULL,
    plan_keep INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
