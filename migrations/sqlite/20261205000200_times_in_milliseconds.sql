-- One time encoding: every moment is Unix milliseconds in an INTEGER column (as meetings, audit
-- and the lease already were), converted to `time::OffsetDateTime` at the store's edge. The
-- text columns held RFC 3339 (with or without fractions) compared as strings; each becomes a
-- `_ms` column with its rows converted. A value that was no time at all becomes 0 (the epoch).

-- users.created_at
ALTER TABLE users ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
UPDATE users SET created_ms = COALESCE(
    CAST(round((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER), 0);
ALTER TABLE users DROP COLUMN created_at;

-- systems.created_at
ALTER TABLE systems ADD COLUMN created_ms INTEGER NOT NULL DEFAULT 0;
UPDATE systems SET created_ms = COALESCE(
    CAST(round((julianday(created_at) - 2440587.5) * 86400000.0) AS INTEGER), 0);
ALTER TABLE systems DROP COLUMN created_at;

-- tickets.raised_at, tickets.closed_at
ALTER TABLE tickets ADD COLUMN raised_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN closed_ms INTEGER;
UPDATE tickets SET
    raised_ms = COALESCE(CAST(round((julianday(raised_at) - 2440587.5) * 86400000.0) AS INTEGER), 0),
    closed_ms = CASE WHEN closed_at IS NULL THEN NULL ELSE
        COALESCE(CAST(round((julianday(closed_at) - 2440587.5) * 86400000.0) AS INTEGER), 0) END;
ALTER TABLE tickets DROP COLUMN raised_at;
ALTER TABLE tickets DROP COLUMN closed_at;

-- system_status.polled_at
ALTER TABLE system_status ADD COLUMN polled_ms INTEGER NOT NULL DEFAULT 0;
UPDATE system_status SET polled_ms = COALESCE(
    CAST(round((julianday(polled_at) - 2440587.5) * 86400000.0) AS INTEGER), 0);
ALTER TABLE system_status DROP COLUMN polled_at;

-- system_access.changed_at
ALTER TABLE system_access ADD COLUMN changed_ms INTEGER NOT NULL DEFAULT 0;
UPDATE system_access SET changed_ms = COALESCE(
    CAST(round((julianday(changed_at) - 2440587.5) * 86400000.0) AS INTEGER), 0);
ALTER TABLE system_access DROP COLUMN changed_at;

-- api_trace.at
DROP INDEX IF EXISTS api_trace_by_time;
ALTER TABLE api_trace ADD COLUMN at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE api_trace SET at_ms = COALESCE(
    CAST(round((julianday(at) - 2440587.5) * 86400000.0) AS INTEGER), 0);
ALTER TABLE api_trace DROP COLUMN at;
CREATE INDEX api_trace_by_time ON api_trace (at_ms);
