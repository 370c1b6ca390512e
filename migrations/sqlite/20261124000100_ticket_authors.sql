-- Who added a custom ticket; the portal's own tickets have none.
ALTER TABLE tickets ADD COLUMN raised_by TEXT;

-- The Ticketing Service lists newest first, most often only open and acknowledged tickets.
CREATE INDEX tickets_by_state ON tickets (state, id);
