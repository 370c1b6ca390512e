-- When the engine lease's holder took it (Administrative Tools → Engine shows it).
ALTER TABLE engine_lease ADD COLUMN since_ms INTEGER NOT NULL DEFAULT 0;
